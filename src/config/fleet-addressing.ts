// IP addressing of a fleet, per engine:
//  - local (default): loopback. Subnet 127.42.0.0/16 from 127.42.0.1, or
//    `--subnet`/`--ip-start` inside 127.0.0.0/8, or `addresses` (any host
//    addresses, used in order). An INI's [general] net / gw / ip= outside
//    127.0.0.0/8 are ignored with a warning, so LAN INI files still run locally.
//  - docker: `--subnet`, else INI `net`, else the interface's network
//    (`ip addr`); interface from `--interface`, INI, or the default route;
//    gateway from `--gateway`, INI `gw`, the default route (when inside the
//    subnet), else the first host.
// Pools never hand out the network, broadcast, gateway or host address, nor an
// address an explicit `ip=` holds; explicit ones are checked the same way.
import { UserError, type ErrorCode } from '../errors.js'
import type { IniFleetSpec } from './fleet-ini.js'
import { probeHostNetwork, type HostNetwork } from './host-net.js'
import { iniError, oneLine } from './ini.js'
import { LOOPBACK, broadcast, contains, formatCidr, formatIpv4, freeAddresses, parseCidr, parseIpv4, type Cidr } from './ipv4.js'

export const LOCAL_SUBNET = '127.42.0.0/16'

/** The options addressing reads (a subset of FleetOptions). */
export interface AddressOptions {
  subnet?: string
  ipStart?: string
  gateway?: string
  interface?: string
  addresses?: string[]
  probe?: (iface?: string) => HostNetwork
}

/** A decky to place: its explicit ip=, and how to name it in an error. */
export interface Placed {
  name: string
  ip?: string
  err(key: string | undefined, problem: string, code?: ErrorCode): UserError
}

export function flagError(flag: string, problem: string, code: ErrorCode = 'FLAG_INVALID'): UserError {
  return new UserError(code, oneLine(`${flag}: ${problem}`))
}

export interface Addressing {
  subnet?: string
  gateway?: string
  interface?: string
  /** Where automatic addresses come from. */
  pool: { cidr: Cidr; start?: number } | { list: number[] }
  /** Addresses never handed out nor accepted as explicit ip=. */
  reserved: Map<number, string>
  /** Explicit ip= must satisfy this. */
  accepts(ip: number): string | undefined
  /** For pool exhaustion messages. */
  label: string
}

function ipFlag(flag: string, v: string): number {
  const ip = parseIpv4(v.trim())
  if (ip === undefined) throw flagError(flag, `expected an IPv4 address, got ${JSON.stringify(v)}`)
  return ip
}

/** Why a decky cannot bind this IPv4 address as its own, or undefined for a unicast address. */
export function notUnicast(ip: number): string | undefined {
  const first = ip >>> 24
  if (first === 0) return ip === 0 ? 'the wildcard address (every address of this host), not one decky\'s' : 'in 0.0.0.0/8 ("this network"), not an address a host can have'
  if (first >= 224 && first <= 239) return 'a multicast address'
  if (ip >>> 0 === 0xffffffff) return 'the broadcast address'
  if (first >= 240) return 'in 240.0.0.0/4 (reserved)'
  return undefined
}

function cidrFlag(flag: string, v: string): Cidr {
  const c = parseCidr(v)
  if (!c) throw flagError(flag, `expected an IPv4 network like 192.168.1.0/24, got ${JSON.stringify(v)}`)
  return c
}

const inLoopback = (c: Cidr): boolean => c.prefix >= LOOPBACK.prefix && contains(LOOPBACK, c.network)

function startIn(c: Cidr, opts: AddressOptions): number | undefined {
  if (opts.ipStart === undefined) return undefined
  const s = ipFlag('--ip-start', opts.ipStart)
  if (!contains(c, s)) throw flagError('--ip-start', `${opts.ipStart} is outside ${formatCidr(c)}`)
  return s
}

function subnetChecks(c: Cidr, reserved: Map<number, string>): (ip: number) => string | undefined {
  return (ip) => {
    if (!contains(c, ip)) return `is outside the subnet ${formatCidr(c)}`
    if (c.prefix < 31 && (ip === c.network || ip === broadcast(c))) return `is the network or broadcast address of ${formatCidr(c)}`
    const why = reserved.get(ip)
    return why ? `is the ${why}` : undefined
  }
}

export function localAddressing(opts: AddressOptions, ini: IniFleetSpec | undefined, warn: (m: string) => void): Addressing {
  const reserved = new Map<number, string>()
  if (opts.gateway !== undefined) reserved.set(ipFlag('--gateway', opts.gateway), 'gateway')
  if (ini) {
    const outside = (ip: string | undefined) => ip !== undefined && !contains(LOOPBACK, parseIpv4(ip) as number)
    const lan = (ini.subnet !== undefined && !inLoopback(parseCidr(ini.subnet) as Cidr)) || outside(ini.gateway) || ini.deckies.some((d) => outside(d.ip))
    if (lan) warn(`${ini.file}: the local engine binds loopback addresses: [general] net/gw and ip= outside 127.0.0.0/8 are ignored (use --engine docker for LAN addresses)`)
  }
  if (opts.addresses && opts.addresses.length) {
    const list: number[] = []
    for (const a of opts.addresses) {
      const ip = ipFlag('--address', a)
      const bad = notUnicast(ip)
      if (bad) throw flagError('--address', `${a.trim()} is ${bad}; give addresses this host has, one per decky (e.g. 127.42.0.1 or the host's own 192.168.1.20)`)
      if (list.includes(ip)) throw flagError('--address', `${a.trim()} is listed twice`)
      list.push(ip)
    }
    return {
      pool: { list },
      reserved,
      accepts: (ip) => {
        if (!list.includes(ip) && !contains(LOOPBACK, ip)) return 'is neither in --address nor in 127.0.0.0/8'
        const why = reserved.get(ip)
        return why ? `is the ${why}` : undefined
      },
      label: '--address',
    }
  }
  let c: Cidr
  if (opts.subnet !== undefined) {
    c = cidrFlag('--subnet', opts.subnet)
    if (!inLoopback(c)) throw flagError('--subnet', `the local engine binds loopback addresses; ${formatCidr(c)} is outside 127.0.0.0/8 (use --address for host addresses, or --engine docker)`)
  } else if (ini?.subnet && inLoopback(parseCidr(ini.subnet) as Cidr)) {
    c = parseCidr(ini.subnet) as Cidr
    if (ini.gateway && opts.gateway === undefined && contains(LOOPBACK, parseIpv4(ini.gateway) as number)) reserved.set(parseIpv4(ini.gateway) as number, 'gateway')
  } else {
    c = parseCidr(LOCAL_SUBNET) as Cidr
  }
  const start = startIn(c, opts)
  const inSubnet = subnetChecks(c, reserved)
  return {
    subnet: formatCidr(c),
    pool: { cidr: c, ...(start !== undefined ? { start } : {}) },
    reserved,
    accepts: (ip) => (contains(c, ip) ? inSubnet(ip) : contains(LOOPBACK, ip) ? undefined : 'is outside 127.0.0.0/8 (the local engine binds loopback addresses)'),
    label: formatCidr(c),
  }
}

export function dockerAddressing(opts: AddressOptions, ini: IniFleetSpec | undefined): Addressing {
  const explicitSubnet = opts.subnet !== undefined ? cidrFlag('--subnet', opts.subnet) : ini?.subnet ? (parseCidr(ini.subnet) as Cidr) : undefined
  const explicitGw = opts.gateway !== undefined ? ipFlag('--gateway', opts.gateway) : ini?.gateway ? parseIpv4(ini.gateway) : undefined
  let iface = opts.interface ?? ini?.interface
  // Probe even when all is given: the host's own address must stay out of the pool.
  let host: HostNetwork | undefined
  try {
    host = (opts.probe ?? probeHostNetwork)(iface)
    iface = host.interface
  } catch (e) {
    if (!iface || !explicitSubnet) throw e
  }
  const c = explicitSubnet ?? (host?.subnet ? parseCidr(host.subnet) : undefined)
  if (!c) throw flagError('--subnet', `could not detect the network of interface ${iface}; give --subnet`)
  const viaRoute = host?.gateway ? parseIpv4(host.gateway) : undefined
  const gw = explicitGw ?? (viaRoute !== undefined && contains(c, viaRoute) ? viaRoute : c.network + 1)
  if (!contains(c, gw)) {
    if (opts.gateway === undefined && ini?.gateway) throw iniError('CONFIG_KEY_INVALID', ini.file, ini.lines.gw, 'general', 'gw', `${ini.gateway} is outside ${formatCidr(c)}`)
    throw flagError('--gateway', `${formatIpv4(gw)} is outside ${formatCidr(c)}`)
  }
  const reserved = new Map<number, string>([[gw, 'gateway']])
  const hostIp = host?.hostIp ? parseIpv4(host.hostIp) : undefined
  if (hostIp !== undefined && contains(c, hostIp) && !reserved.has(hostIp)) reserved.set(hostIp, `host address of ${iface}`)
  const start = startIn(c, opts)
  const inSubnet = subnetChecks(c, reserved)
  if (opts.addresses && opts.addresses.length) {
    const list = opts.addresses.map((a) => ipFlag('--address', a))
    for (const [i, ip] of list.entries()) {
      const why = inSubnet(ip)
      if (why) throw flagError('--address', `${formatIpv4(ip)} ${why}`)
      if (list.indexOf(ip) !== i) throw flagError('--address', `${formatIpv4(ip)} is listed twice`)
    }
    return { subnet: formatCidr(c), gateway: formatIpv4(gw), ...(iface ? { interface: iface } : {}), pool: { list }, reserved, accepts: inSubnet, label: '--address' }
  }
  return {
    subnet: formatCidr(c),
    gateway: formatIpv4(gw),
    ...(iface ? { interface: iface } : {}),
    pool: { cidr: c, ...(start !== undefined ? { start } : {}) },
    reserved,
    accepts: inSubnet,
    label: formatCidr(c),
  }
}

/** Explicit ip= first (checked and reserved), then the pool in ascending order. */
export function assignIps(drafts: Placed[], net: Addressing, fromIni: boolean, engine: 'local' | 'docker'): string[] {
  const taken = new Map<number, string>(net.reserved)
  const ips: (number | undefined)[] = drafts.map(() => undefined)
  const owner = new Map<number, string>()
  for (const [i, d] of drafts.entries()) {
    if (d.ip === undefined) continue
    const ip = parseIpv4(d.ip) as number
    if (engine === 'local' && !contains(LOOPBACK, ip) && !(('list' in net.pool) && net.pool.list.includes(ip))) continue // warned: ignored locally
    const why = net.accepts(ip)
    if (why) throw d.err('ip', `${d.ip} ${why}`, 'CONFIG_KEY_INVALID')
    const prev = owner.get(ip)
    if (prev) throw d.err('ip', `${d.ip} is already used by decky '${prev}'`, 'CONFIG_DUPLICATE')
    owner.set(ip, d.name)
    taken.set(ip, d.name)
    ips[i] = ip
  }
  const need = ips.filter((x) => x === undefined).length
  const free =
    'list' in net.pool ? net.pool.list.filter((ip) => !taken.has(ip)).slice(0, need) : freeAddresses(net.pool.cidr, need, new Set(taken.keys()), net.pool.start)
  if (free.length < need) {
    if (!fromIni) throw new UserError('IP_POOL_EXHAUSTED', `Not enough free IPs in ${net.label} for ${drafts.length} deckies (found ${free.length}).`)
    const missing = drafts.filter((_, i) => ips[i] === undefined)[free.length] as Placed
    throw missing.err(undefined, `Not enough free IPs in ${net.label} while assigning IP for '${missing.name}'.`, 'IP_POOL_EXHAUSTED')
  }
  let k = 0
  return ips.map((ip) => formatIpv4(ip ?? (free[k++] as number)))
}
