// Auto-detection of the host's LAN for engines that put
// deckies on it: the default route's interface and gateway, the interface's
// first IPv4 address and network. Parsers are pure; `probeHostNetwork` runs
// `ip` (iproute2).
import { execFileSync } from 'node:child_process'
import { UserError } from '../errors.js'
import { cidrFromAddress, formatCidr, formatIpv4, parseIpv4 } from './ipv4.js'

const IP_TIMEOUT_MS = 5000

export interface DefaultRoute {
  dev?: string
  via?: string
}

/** First `dev <x>` and first `via <x>` of `ip route show default`. */
export function parseDefaultRoute(text: string): DefaultRoute {
  const dev = /\bdev\s+(\S+)/.exec(text)?.[1]
  const via = /\bvia\s+(\d+\.\d+\.\d+\.\d+)/.exec(text)?.[1]
  return { ...(dev ? { dev } : {}), ...(via && parseIpv4(via) !== undefined ? { via } : {}) }
}

export interface IfaceAddress {
  ip: string
  /** Network CIDR of that address. */
  subnet: string
}

/** First `inet a.b.c.d/n` of `ip addr show <iface>`. */
export function parseIfaceAddr(text: string): IfaceAddress | undefined {
  const m = /\binet\s+(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})\b/.exec(text)
  if (!m) return undefined
  const ip = parseIpv4(m[1] as string)
  const prefix = Number(m[2])
  if (ip === undefined || prefix > 32) return undefined
  return { ip: formatIpv4(ip), subnet: formatCidr(cidrFromAddress(ip, prefix)) }
}

function run(args: string[]): string | undefined {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', timeout: IP_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'] })
  } catch {
    return undefined
  }
}

export interface HostNetwork {
  interface: string
  gateway?: string
  hostIp?: string
  subnet?: string
}

/** The interface (given, or the default route's), its address and the default gateway. */
export function probeHostNetwork(iface?: string): HostNetwork {
  const route = parseDefaultRoute(run(['-4', 'route', 'show', 'default']) ?? '')
  const dev = iface ?? route.dev
  if (!dev) throw new UserError('FLAG_INVALID', 'Could not auto-detect network interface. Use --interface.')
  const addr = parseIfaceAddr(run(['-4', 'addr', 'show', 'dev', dev]) ?? '')
  return {
    interface: dev,
    ...(route.via ? { gateway: route.via } : {}),
    ...(addr ? { hostIp: addr.ip, subnet: addr.subnet } : {}),
  }
}
