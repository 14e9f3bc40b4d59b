// Link layer → IP → TCP, without allocating: decodeTcp() fills one reusable
// TcpSegment and returns false for anything that is not a whole, unfragmented
// TCP segment over IPv4/IPv6. Every read is bounds-checked against the
// captured length and the IP length (Ethernet padding never becomes payload).
import { LINKTYPE } from './capture/packet.js'

const ETHERTYPE_IPV4 = 0x0800
const ETHERTYPE_IPV6 = 0x86dd
const ETHERTYPE_VLAN = 0x8100
const ETHERTYPE_QINQ = 0x88a8
const ETHERTYPE_VLAN_OLD = 0x9100
/** Stacked 802.1Q/802.1ad tags we walk through. */
const MAX_VLAN_TAGS = 4
/** IPv6 extension headers we skip before giving up. */
const MAX_IPV6_EXT_HEADERS = 8
const IPPROTO_TCP = 6
// IPv6 extension headers (RFC 8200 §4; AH RFC 4302)
const IPV6_HOPOPTS = 0
const IPV6_ROUTING = 43
const IPV6_FRAGMENT = 44
const IPV6_AH = 51
const IPV6_DSTOPTS = 60
const IPV6_MOBILITY = 135
const IPV6_HIP = 139
const IPV6_SHIM6 = 140

export const TCP_FLAG = Object.freeze({ FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 })

export interface TcpSegment {
  ipVersion: 4 | 6
  /** The frame the offsets below point into. */
  data: Buffer
  /** Offset of the source address (4 or 16 bytes), then the destination follows at +len for v6, +4 for v4. */
  srcAddrOff: number
  dstAddrOff: number
  /** IPv4: the addresses as unsigned 32-bit numbers (0 for IPv6). */
  src4: number
  dst4: number
  ttl: number
  srcPort: number
  dstPort: number
  seq: number
  ack: number
  flags: number
  window: number
  payloadOff: number
  payloadEnd: number
}

export function newSegment(): TcpSegment {
  return {
    ipVersion: 4, data: Buffer.alloc(0), srcAddrOff: 0, dstAddrOff: 0, src4: 0, dst4: 0, ttl: 0,
    srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0, payloadOff: 0, payloadEnd: 0,
  }
}

/** Fills `seg` from the frame data[start, end); false when it is not a decodable TCP segment. */
export function decodeTcp(linkType: number, data: Buffer, seg: TcpSegment, start = 0, end = data.length): boolean {
  const n = end - start
  const s = start
  let off: number
  let ethertype: number
  switch (linkType) {
    case LINKTYPE.ETHERNET:
      if (n < 14) return false
      ethertype = (data[s + 12]! << 8) | data[s + 13]!
      off = s + 14
      break
    case LINKTYPE.LINUX_SLL: // 16-byte cooked header, protocol at 14
      if (n < 16) return false
      ethertype = (data[s + 14]! << 8) | data[s + 15]!
      off = s + 16
      break
    case LINKTYPE.LINUX_SLL2: // 20-byte cooked header v2, protocol at 0
      if (n < 20) return false
      ethertype = (data[s]! << 8) | data[s + 1]!
      off = s + 20
      break
    case LINKTYPE.NULL: // 4-byte address family in the capturing host's byte order
    case LINKTYPE.LOOP: { // same, network byte order
      if (n < 4) return false
      const le = data.readUInt32LE(s)
      const family = linkType === LINKTYPE.LOOP ? data.readUInt32BE(s) : le <= 0xffff ? le : data.readUInt32BE(s)
      if (family === 2) ethertype = ETHERTYPE_IPV4
      else if (family === 10 || family === 24 || family === 28 || family === 30) ethertype = ETHERTYPE_IPV6
      else return false
      off = s + 4
      break
    }
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_BSD_12:
    case LINKTYPE.RAW_BSD_14:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6: {
      if (n < 1) return false
      const v = data[s]! >> 4
      ethertype = v === 4 ? ETHERTYPE_IPV4 : v === 6 ? ETHERTYPE_IPV6 : 0
      off = s
      break
    }
    default:
      return false
  }
  for (let tags = 0; ethertype === ETHERTYPE_VLAN || ethertype === ETHERTYPE_QINQ || ethertype === ETHERTYPE_VLAN_OLD; tags++) {
    // 802.1Q tag: TCI u16, then the inner ethertype
    if (tags >= MAX_VLAN_TAGS || off + 4 > end) return false
    ethertype = (data[off + 2]! << 8) | data[off + 3]!
    off += 4
  }
  if (ethertype === ETHERTYPE_IPV4) return ipv4(data, off, end, seg)
  if (ethertype === ETHERTYPE_IPV6) return ipv6(data, off, end, seg)
  return false
}

// IPv4 (RFC 791): ver/ihl, tos, total length, id, flags/frag offset, ttl, proto, csum, src, dst
function ipv4(data: Buffer, off: number, limit: number, seg: TcpSegment): boolean {
  if (off + 20 > limit) return false
  const vihl = data[off]!
  if (vihl >> 4 !== 4) return false
  const ihl = (vihl & 0x0f) * 4
  if (ihl < 20) return false
  const total = (data[off + 2]! << 8) | data[off + 3]!
  if (total < ihl) return false
  const fragment = ((data[off + 6]! << 8) | data[off + 7]!) & 0x3fff // MF flag + offset
  if (fragment !== 0) return false
  if (data[off + 9] !== IPPROTO_TCP) return false
  const end = Math.min(limit, off + total)
  if (off + ihl > end) return false
  seg.ipVersion = 4
  seg.ttl = data[off + 8]!
  seg.srcAddrOff = off + 12
  seg.dstAddrOff = off + 16
  seg.src4 = data.readUInt32BE(off + 12)
  seg.dst4 = data.readUInt32BE(off + 16)
  return tcp(data, off + ihl, end, seg)
}

// IPv6 (RFC 8200): ver/class/flow u32, payload length u16, next header, hop limit, src[16], dst[16]
function ipv6(data: Buffer, off: number, limit: number, seg: TcpSegment): boolean {
  if (off + 40 > limit) return false
  if (data[off]! >> 4 !== 6) return false
  const payloadLen = (data[off + 4]! << 8) | data[off + 5]!
  // A zero payload length means a jumbogram (RFC 2675); use what was captured.
  const end = payloadLen === 0 ? limit : Math.min(limit, off + 40 + payloadLen)
  let next = data[off + 6]!
  seg.ipVersion = 6
  seg.ttl = data[off + 7]!
  seg.srcAddrOff = off + 8
  seg.dstAddrOff = off + 24
  seg.src4 = 0
  seg.dst4 = 0
  let p = off + 40
  for (let i = 0; next !== IPPROTO_TCP; i++) {
    if (i >= MAX_IPV6_EXT_HEADERS || p + 8 > end) return false
    switch (next) {
      case IPV6_HOPOPTS:
      case IPV6_ROUTING:
      case IPV6_DSTOPTS:
      case IPV6_MOBILITY:
      case IPV6_HIP:
      case IPV6_SHIM6:
        next = data[p]!
        p += (data[p + 1]! + 1) * 8
        break
      case IPV6_FRAGMENT: {
        // offset (13 bits) and M flag: only an unfragmented "atomic fragment" is whole
        if ((((data[p + 2]! << 8) | data[p + 3]!) & 0xfff9) !== 0) return false
        next = data[p]!
        p += 8
        break
      }
      case IPV6_AH:
        next = data[p]!
        p += (data[p + 1]! + 2) * 4
        break
      default:
        return false // ESP, no next header, UDP, ICMPv6, …
    }
  }
  return tcp(data, p, end, seg)
}

// TCP (RFC 9293): sport, dport, seq, ack, data offset/flags, window, csum, urg, options
function tcp(data: Buffer, off: number, end: number, seg: TcpSegment): boolean {
  if (off + 20 > end) return false
  const doff = (data[off + 12]! >> 4) * 4
  if (doff < 20 || off + doff > end) return false
  seg.data = data
  seg.srcPort = (data[off]! << 8) | data[off + 1]!
  seg.dstPort = (data[off + 2]! << 8) | data[off + 3]!
  seg.seq = data.readUInt32BE(off + 4)
  seg.ack = data.readUInt32BE(off + 8)
  seg.flags = data[off + 13]!
  seg.window = (data[off + 14]! << 8) | data[off + 15]!
  seg.payloadOff = off + doff
  seg.payloadEnd = end
  return true
}

/** Text form of the source or destination address of a decoded segment. */
export function addressText(seg: TcpSegment, which: 'src' | 'dst'): string {
  const off = which === 'src' ? seg.srcAddrOff : seg.dstAddrOff
  if (seg.ipVersion === 4) {
    const d = seg.data
    return `${d[off]}.${d[off + 1]}.${d[off + 2]}.${d[off + 3]}`
  }
  return ipv6Text(seg.data, off)
}

/** RFC 5952 text for 16 bytes at `off` (longest zero run of ≥ 2 groups compressed; IPv4-mapped kept dotted). */
export function ipv6Text(d: Buffer, off: number): string {
  const groups: number[] = []
  for (let i = 0; i < 8; i++) groups.push((d[off + i * 2]! << 8) | d[off + i * 2 + 1]!)
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${d[off + 12]}.${d[off + 13]}.${d[off + 14]}.${d[off + 15]}`
  }
  let bestStart = -1
  let bestLen = 0
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i
      bestLen = j - i
    }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestStart < 0) return hex.join(':')
  const head = hex.slice(0, bestStart).join(':')
  const tail = hex.slice(bestStart + bestLen).join(':')
  return `${head}::${tail}`
}
