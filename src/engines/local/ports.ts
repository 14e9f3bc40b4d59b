// Binding ports below net.ipv4.ip_unprivileged_port_start needs root or
// CAP_NET_BIND_SERVICE. We find out before binding anything, so a deploy
// either starts whole or fails with one line that says how to get out.
import { readFileSync } from 'node:fs'
import { UserError } from '../../errors.js'
import type { EnginePlan, PlannedPort } from '../engine.js'

/** Bit of CAP_NET_BIND_SERVICE in the CapEff mask (linux/capability.h). */
export const CAP_NET_BIND_SERVICE = 10
/** Linux default of net.ipv4.ip_unprivileged_port_start. */
export const DEFAULT_UNPRIVILEGED_PORT_START = 1024
export const MAX_PORT = 65_535
/** What the error suggests: every catalogue port (27017 at most) stays below MAX_PORT, and no port lands on
 * one that browsers and fetch refuse (10080 does: 10000 is a bad offset). */
export const SUGGESTED_PORT_OFFSET = 20_000

export interface BindPrivileges {
  root: boolean
  capNetBindService: boolean
  /** Ports from here up bind without privileges. */
  unprivilegedPortStart: number
}

function readOr(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/** CapEff hex mask from /proc/<pid>/status text → whether `bit` is set. */
export function hasCapability(statusText: string, bit: number): boolean {
  const m = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(statusText)
  if (!m?.[1]) return false
  return ((BigInt(`0x${m[1]}`) >> BigInt(bit)) & 1n) === 1n
}

export function readBindPrivileges(procRoot = '/proc'): BindPrivileges {
  const start = Number.parseInt(readOr(`${procRoot}/sys/net/ipv4/ip_unprivileged_port_start`)?.trim() ?? '', 10)
  return {
    root: typeof process.geteuid === 'function' && process.geteuid() === 0,
    capNetBindService: hasCapability(readOr(`${procRoot}/self/status`) ?? '', CAP_NET_BIND_SERVICE),
    unprivilegedPortStart: Number.isFinite(start) ? start : DEFAULT_UNPRIVILEGED_PORT_START,
  }
}

/** p + offset, refusing what no port can be. */
export function offsetPort(declared: number, offset: number): number {
  const p = declared + offset
  if (!Number.isInteger(p) || p < 1 || p > MAX_PORT) {
    throw new UserError('FLAG_INVALID', `--port-offset ${offset}: port ${declared} would become ${p}, outside 1-${MAX_PORT}`)
  }
  return p
}

export function parsePortOffset(raw: string | undefined): number {
  if (raw === undefined) return 0
  if (!/^\d+$/.test(raw.trim())) throw new UserError('FLAG_INVALID', `--port-offset: expected a whole number of ports, got "${raw}"`)
  const n = Number.parseInt(raw, 10)
  if (n > MAX_PORT) throw new UserError('FLAG_INVALID', `--port-offset: ${n} is larger than ${MAX_PORT}`)
  return n
}

interface Needed {
  decky: string
  service: string
  port: PlannedPort
}

/** The lowest bound port of the plan that these privileges cannot bind, if any. */
export function lowestPrivilegedPort(plan: EnginePlan, priv: BindPrivileges): Needed | undefined {
  if (priv.root || priv.capNetBindService) return undefined
  let lowest: Needed | undefined
  for (const d of plan.deckies) {
    for (const s of d.services) {
      if (s.skip) continue
      for (const port of s.ports) {
        if (port.bound < priv.unprivilegedPortStart && (!lowest || port.bound < lowest.port.bound)) {
          lowest = { decky: d.name, service: s.name, port }
        }
      }
    }
  }
  return lowest
}

/** Throws the one-line PORT_PRIVILEGED error when the plan needs privileges we lack. */
export function assertPortsBindable(plan: EnginePlan, priv: BindPrivileges = readBindPrivileges()): void {
  const need = lowestPrivilegedPort(plan, priv)
  if (!need) return
  const p = need.port
  const offset = SUGGESTED_PORT_OFFSET
  throw new UserError(
    'PORT_PRIVILEGED',
    `${need.decky}/${need.service} needs port ${p.bound}${p.proto === 'udp' ? '/udp' : ''}, and ports below ${priv.unprivilegedPortStart} need root here: ` +
      `use --port-offset ${offset} (${p.declared} → ${p.declared + offset}), ` +
      'or run `sudo setcap cap_net_bind_service=+ep "$(readlink -f "$(which node)")"`, or run as root',
  )
}
