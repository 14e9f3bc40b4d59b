// IPv4 arithmetic for fleet addressing (CIDR, RFC 4632). Addresses are
// unsigned 32-bit numbers; parsers return undefined on anything malformed.

export interface Cidr {
  /** Network address (host bits cleared). */
  network: number
  prefix: number
}

const OCTET = /^(?:0|[1-9]\d{0,2})$/

/** Strict dotted quad (no leading zeros, like Python's ipaddress). */
export function parseIpv4(s: string): number | undefined {
  const parts = s.split('.')
  if (parts.length !== 4) return undefined
  let n = 0
  for (const p of parts) {
    if (!OCTET.test(p)) return undefined
    const v = Number(p)
    if (v > 255) return undefined
    n = n * 256 + v
  }
  return n
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0
}

/** `a.b.c.d/n`; host bits are cleared (Python's strict=False). */
export function parseCidr(s: string): Cidr | undefined {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(s.trim())
  if (!m) return undefined
  const ip = parseIpv4(m[1] as string)
  const prefix = Number(m[2])
  if (ip === undefined || prefix > 32) return undefined
  return { network: (ip & mask(prefix)) >>> 0, prefix }
}

export function cidrFromAddress(ip: number, prefix: number): Cidr {
  return { network: (ip & mask(prefix)) >>> 0, prefix }
}

export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.network)}/${c.prefix}`
}

export function broadcast(c: Cidr): number {
  return (c.network | ~mask(c.prefix)) >>> 0
}

export function contains(c: Cidr, ip: number): boolean {
  return ((ip & mask(c.prefix)) >>> 0) === c.network
}

/** First and last usable host, as Python's `net.hosts()`: /31 and /32 use every address. */
export function hostRange(c: Cidr): [number, number] {
  if (c.prefix >= 31) return [c.network, broadcast(c)]
  return [c.network + 1, broadcast(c) - 1]
}

export const LOOPBACK: Cidr = { network: 0x7f000000, prefix: 8 }

/**
 * Up to `count` addresses of `c`, ascending from `start` (default: the first
 * host), skipping network, broadcast and every address in `reserved`.
 */
export function freeAddresses(c: Cidr, count: number, reserved: ReadonlySet<number>, start?: number): number[] {
  const [first, last] = hostRange(c)
  const out: number[] = []
  for (let ip = Math.max(first, start ?? first); ip <= last && out.length < count; ip++) {
    if (c.prefix < 31 && (ip === c.network || ip === broadcast(c))) continue
    if (!reserved.has(ip)) out.push(ip)
  }
  return out
}
