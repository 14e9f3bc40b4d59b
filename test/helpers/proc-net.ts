// What this host has bound, read from /proc/net/{tcp,tcp6,udp,udp6} (no tools
// needed): the ground truth for "no listener is left".
import { readFileSync } from 'node:fs'

const TCP_LISTEN = '0A'
/** UDP sockets are "listening" in state 07 (TCP_CLOSE, unconnected). */
const UDP_BOUND = '07'

function hexToIpv4(hex: string): string {
  // little-endian 32-bit in /proc
  return [hex.slice(6, 8), hex.slice(4, 6), hex.slice(2, 4), hex.slice(0, 2)].map((b) => parseInt(b, 16)).join('.')
}

function read(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(1).filter((l) => l.trim() !== '')
  } catch {
    return []
  }
}

/** Local "address:port" of every listening TCP socket (IPv4 addresses as dotted quads, IPv6 as raw hex). */
export function boundSockets(proto: 'tcp' | 'udp'): Set<string> {
  const out = new Set<string>()
  const want = proto === 'tcp' ? TCP_LISTEN : UDP_BOUND
  for (const v of ['', '6']) {
    for (const line of read(`/proc/net/${proto}${v}`)) {
      const cols = line.trim().split(/\s+/)
      const local = cols[1] ?? ''
      if (cols[3] !== want) continue
      const [addr = '', port = ''] = local.split(':')
      out.add(`${v === '' ? hexToIpv4(addr) : addr}:${parseInt(port, 16)}`)
    }
  }
  return out
}

/** Bound sockets on this address (any port), e.g. every listener of one decky. */
export function boundOn(address: string, proto: 'tcp' | 'udp' = 'tcp'): string[] {
  return [...boundSockets(proto)].filter((s) => s.startsWith(`${address}:`))
}
