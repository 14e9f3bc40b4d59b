// The local engine binds each decky's own address on this host. Loopback
// 127.0.0.0/8 is all local on Linux; any other address must belong to an
// interface, or the bind fails with EADDRNOTAVAIL. We say so before binding.
import { networkInterfaces } from 'node:os'
import { isIPv4, isIP } from 'node:net'
import { UserError } from '../../errors.js'
import type { EnginePlan } from '../engine.js'

export function isLoopbackV4(ip: string): boolean {
  return isIPv4(ip) && ip.startsWith('127.')
}

export function hostAddresses(): Set<string> {
  const out = new Set<string>()
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) out.add(a.address)
  }
  return out
}

/** Throws ADDRESS_UNAVAILABLE naming the first decky whose address this host does not have. */
export function assertAddressesLocal(plan: EnginePlan, local: Set<string> = hostAddresses()): void {
  const seen = new Map<string, string>()
  for (const d of plan.deckies) {
    if (!isIP(d.ip)) throw new UserError('ADDRESS_UNAVAILABLE', `${d.name}: "${d.ip}" is not an IP address`)
    const other = seen.get(d.ip)
    if (other) throw new UserError('ADDRESS_UNAVAILABLE', `${d.name}: address ${d.ip} is already used by ${other}; each decky needs its own address`)
    seen.set(d.ip, d.name)
    if ((process.platform === 'linux' && isLoopbackV4(d.ip)) || local.has(d.ip)) continue
    throw new UserError(
      'ADDRESS_UNAVAILABLE',
      `${d.name}: address ${d.ip} is not on this host; add it (sudo ip addr add ${d.ip}/32 dev lo) or give --address with addresses this host has`,
    )
  }
}
