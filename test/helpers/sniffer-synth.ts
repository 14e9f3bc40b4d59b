// Synthetic traffic for tests and the benchmark: frames (Ethernet/IPv4/IPv6/
// TCP), TLS hellos, SSH KEXINIT, and pcap / pcapng files around them.
// Checksums are left zero (nothing here validates them).
import { LINKTYPE } from '../../src/sniffer/capture/packet.js'

export interface TcpFrame {
  src: string
  dst: string
  sport: number
  dport: number
  seq: number
  ack?: number
  flags: number
  ttl?: number
  payload?: Buffer
  /** 802.1Q VLAN ids to push between Ethernet and IP. */
  vlans?: number[]
}

function ipv4Bytes(ip: string): Buffer {
  return Buffer.from(ip.split('.').map((x) => Number(x)))
}

function ipv6Bytes(ip: string): Buffer {
  const [head = '', tail] = ip.split('::')
  const h = head === '' ? [] : head.split(':')
  const t = tail === undefined || tail === '' ? [] : tail.split(':')
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t]
  const out = Buffer.alloc(16)
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2))
  return out
}

function tcpHeader(f: TcpFrame): Buffer {
  const h = Buffer.alloc(20)
  h.writeUInt16BE(f.sport, 0)
  h.writeUInt16BE(f.dport, 2)
  h.writeUInt32BE(f.seq >>> 0, 4)
  h.writeUInt32BE((f.ack ?? 0) >>> 0, 8)
  h[12] = 5 << 4
  h[13] = f.flags
  h.writeUInt16BE(65535, 14)
  return h
}

/** IP packet (v4 or v6 by the address form) carrying one TCP segment. */
export function ipTcp(f: TcpFrame): Buffer {
  const payload = f.payload ?? Buffer.alloc(0)
  const tcp = tcpHeader(f)
  if (f.src.includes(':')) {
    const ip = Buffer.alloc(40)
    ip[0] = 0x60
    ip.writeUInt16BE(tcp.length + payload.length, 4)
    ip[6] = 6
    ip[7] = f.ttl ?? 64
    ipv6Bytes(f.src).copy(ip, 8)
    ipv6Bytes(f.dst).copy(ip, 24)
    return Buffer.concat([ip, tcp, payload])
  }
  const ip = Buffer.alloc(20)
  ip[0] = 0x45
  ip.writeUInt16BE(20 + tcp.length + payload.length, 2)
  ip[6] = 0x40 // DF
  ip[8] = f.ttl ?? 64
  ip[9] = 6
  ipv4Bytes(f.src).copy(ip, 12)
  ipv4Bytes(f.dst).copy(ip, 16)
  return Buffer.concat([ip, tcp, payload])
}

/** Ethernet II frame (optionally VLAN-tagged) around ipTcp(). */
export function ethTcp(f: TcpFrame): Buffer {
  const ip = ipTcp(f)
  const v6 = f.src.includes(':')
  const tags = (f.vlans ?? []).map((id) => {
    const t = Buffer.alloc(4)
    t.writeUInt16BE(0x8100, 0)
    t.writeUInt16BE(id & 0x0fff, 2)
    return t
  })
  // Each tag is "TPID 0x8100, TCI"; the ethertype at 12 is the first TPID.
  const mac = Buffer.from('020000000002020000000001', 'hex')
  const ethertype = Buffer.alloc(2)
  ethertype.writeUInt16BE(v6 ? 0x86dd : 0x0800)
  if (tags.length === 0) return Buffer.concat([mac, ethertype, ip])
  // layout: dst src | 8100 tci | 8100 tci | inner-ethertype | ip
  const parts: Buffer[] = [mac]
  for (const t of tags) parts.push(t.subarray(0, 2), t.subarray(2, 4))
  return Buffer.concat([...parts, ethertype, ip])
}

export function pcapHeader(linkType: number = LINKTYPE.ETHERNET, opts: { nanos?: boolean; bigEndian?: boolean } = {}): Buffer {
  const h = Buffer.alloc(24)
  const w = (v: number, o: number) => (opts.bigEndian ? h.writeUInt32BE(v, o) : h.writeUInt32LE(v, o))
  w(opts.nanos ? 0xa1b23c4d : 0xa1b2c3d4, 0)
  if (opts.bigEndian) {
    h.writeUInt16BE(2, 4)
    h.writeUInt16BE(4, 6)
  } else {
    h.writeUInt16LE(2, 4)
    h.writeUInt16LE(4, 6)
  }
  w(262144, 16)
  w(linkType, 20)
  return h
}

export function pcapRecord(tsUs: number, frame: Buffer, opts: { nanos?: boolean; bigEndian?: boolean } = {}): Buffer {
  const h = Buffer.alloc(16)
  const w = (v: number, o: number) => (opts.bigEndian ? h.writeUInt32BE(v, o) : h.writeUInt32LE(v, o))
  w(Math.floor(tsUs / 1e6), 0)
  w(opts.nanos ? (tsUs % 1e6) * 1000 : tsUs % 1e6, 4)
  w(frame.length, 8)
  w(frame.length, 12)
  return Buffer.concat([h, frame])
}

export function pcapFile(frames: { tsUs: number; frame: Buffer }[], linkType: number = LINKTYPE.ETHERNET, opts: { nanos?: boolean; bigEndian?: boolean } = {}): Buffer {
  return Buffer.concat([pcapHeader(linkType, opts), ...frames.map((f) => pcapRecord(f.tsUs, f.frame, opts))])
}

function pad4(b: Buffer): Buffer {
  const n = (4 - (b.length % 4)) % 4
  return n ? Buffer.concat([b, Buffer.alloc(n)]) : b
}

/** pcapng: one section, one interface per entry of `ifaces`, EPBs (tsresol: 6 = µs, 9 = ns). */
export function pcapngFile(
  ifaces: { linkType: number; tsresol?: number }[],
  frames: { iface: number; tsUs: number; frame: Buffer }[],
  opts: { bigEndian?: boolean } = {},
): Buffer {
  const be = opts.bigEndian === true
  const u16 = (v: number) => {
    const b = Buffer.alloc(2)
    if (be) b.writeUInt16BE(v)
    else b.writeUInt16LE(v)
    return b
  }
  const u32 = (v: number) => {
    const b = Buffer.alloc(4)
    if (be) b.writeUInt32BE(v >>> 0)
    else b.writeUInt32LE(v >>> 0)
    return b
  }
  const block = (type: number, body: Buffer) => {
    const b = pad4(body)
    return Buffer.concat([u32(type), u32(b.length + 12), b, u32(b.length + 12)])
  }
  const shb = block(0x0a0d0d0a, Buffer.concat([u32(0x1a2b3c4d), u16(1), u16(0), Buffer.alloc(8, 0xff)]))
  const idbs = ifaces.map((i) => {
    const opt = i.tsresol === undefined ? Buffer.alloc(0) : Buffer.concat([u16(9), u16(1), pad4(Buffer.from([i.tsresol])), u16(0), u16(0)])
    return block(1, Buffer.concat([u16(i.linkType), u16(0), u32(262144), opt]))
  })
  const epbs = frames.map((f) => {
    const res = ifaces[f.iface]?.tsresol ?? 6
    const units = BigInt(Math.round(f.tsUs)) * 10n ** BigInt(res) / 1_000_000n
    return block(6, Buffer.concat([u32(f.iface), u32(Number(units >> 32n)), u32(Number(units & 0xffffffffn)), u32(f.frame.length), u32(f.frame.length), f.frame]))
  })
  return Buffer.concat([shb, ...idbs, ...epbs])
}

// ---- TLS -------------------------------------------------------------------

export interface HelloSpec {
  version?: number
  ciphers: number[]
  extensions: { type: number; data?: Buffer }[]
  sessionId?: Buffer
}

const u16b = (v: number): Buffer => Buffer.from([v >> 8, v & 0xff])
const vec16 = (b: Buffer): Buffer => Buffer.concat([u16b(b.length), b])
const vec8 = (b: Buffer): Buffer => Buffer.concat([Buffer.from([b.length]), b])

export const ext = {
  sni: (name: string): { type: number; data: Buffer } => ({ type: 0, data: vec16(Buffer.concat([Buffer.from([0]), vec16(Buffer.from(name))])) }),
  alpn: (protos: (string | Buffer)[]): { type: number; data: Buffer } => ({
    type: 16,
    data: vec16(Buffer.concat(protos.map((p) => vec8(typeof p === 'string' ? Buffer.from(p) : p)))),
  }),
  groups: (g: number[]): { type: number; data: Buffer } => ({ type: 10, data: vec16(Buffer.concat(g.map(u16b))) }),
  pointFormats: (p: number[]): { type: number; data: Buffer } => ({ type: 11, data: vec8(Buffer.from(p)) }),
  sigAlgs: (s: number[]): { type: number; data: Buffer } => ({ type: 13, data: vec16(Buffer.concat(s.map(u16b))) }),
  versions: (v: number[]): { type: number; data: Buffer } => ({ type: 43, data: vec8(Buffer.concat(v.map(u16b))) }),
  keyShare: (group: number, size: number): { type: number; data: Buffer } => ({
    type: 51,
    data: vec16(Buffer.concat([u16b(group), vec16(Buffer.alloc(size, 0x42))])),
  }),
}

/** Handshake message (type, u24 length, body). */
export function handshake(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]), body])
}

export function clientHelloBody(h: HelloSpec): Buffer {
  const exts = Buffer.concat(h.extensions.map((e) => Buffer.concat([u16b(e.type), vec16(e.data ?? Buffer.alloc(0))])))
  return Buffer.concat([
    u16b(h.version ?? 0x0303),
    Buffer.alloc(32, 0x11),
    vec8(h.sessionId ?? Buffer.alloc(0)),
    vec16(Buffer.concat(h.ciphers.map(u16b))),
    vec8(Buffer.from([0])),
    vec16(exts),
  ])
}

export function serverHelloBody(version: number, cipher: number, extensions: { type: number; data?: Buffer }[]): Buffer {
  const exts = Buffer.concat(extensions.map((e) => Buffer.concat([u16b(e.type), vec16(e.data ?? Buffer.alloc(0))])))
  return Buffer.concat([u16b(version), Buffer.alloc(32, 0x22), vec8(Buffer.alloc(0)), u16b(cipher), Buffer.from([0]), vec16(exts)])
}

/** Wraps handshake bytes into TLS records of at most `maxRecord` bytes each. */
export function records(hs: Buffer, maxRecord = 16384): Buffer {
  const out: Buffer[] = []
  for (let o = 0; o < hs.length; o += maxRecord) {
    const part = hs.subarray(o, o + maxRecord)
    out.push(Buffer.from([0x16, 0x03, 0x01, part.length >> 8, part.length & 0xff]), part)
  }
  return Buffer.concat(out)
}

// ---- SSH -------------------------------------------------------------------

export interface KexSpec {
  kex: string
  hostKey: string
  enc: [string, string]
  mac: [string, string]
  comp: [string, string]
}

/** SSH binary packet holding a KEXINIT (RFC 4253 §6, §7.1). */
export function kexinitPacket(k: KexSpec): Buffer {
  const nl = (s: string) => {
    const b = Buffer.from(s)
    const l = Buffer.alloc(4)
    l.writeUInt32BE(b.length)
    return Buffer.concat([l, b])
  }
  const payload = Buffer.concat([
    Buffer.from([20]),
    Buffer.alloc(16, 0x33),
    nl(k.kex), nl(k.hostKey), nl(k.enc[0]), nl(k.enc[1]), nl(k.mac[0]), nl(k.mac[1]), nl(k.comp[0]), nl(k.comp[1]),
    nl(''), nl(''),
    Buffer.from([0, 0, 0, 0, 0]),
  ])
  let pad = 8 - ((payload.length + 5) % 8)
  if (pad < 4) pad += 8
  const len = Buffer.alloc(5)
  len.writeUInt32BE(payload.length + pad + 1)
  len[4] = pad
  return Buffer.concat([len, payload, Buffer.alloc(pad)])
}

// ---- whole connections -------------------------------------------------------

export interface Conversation {
  client: string
  server: string
  cport: number
  sport: number
  /** Bytes the client sends, already split into segments. */
  clientSegments: Buffer[]
  serverSegments: Buffer[]
  startUs: number
  /** One-way delay between packets, µs. */
  stepUs?: number
  clientTtl?: number
  serverTtl?: number
}

/** SYN, SYN-ACK, ACK, client segments, server segments, FIN: the frames of one TCP connection. */
export function conversation(c: Conversation, frame: (f: TcpFrame) => Buffer = ethTcp): { tsUs: number; frame: Buffer }[] {
  const out: { tsUs: number; frame: Buffer }[] = []
  const step = c.stepUs ?? 100
  let t = c.startUs
  const cisn = 1000
  const sisn = 5000
  let cseq = cisn + 1
  let sseq = sisn + 1
  const cf = (flags: number, payload?: Buffer): TcpFrame => ({ src: c.client, dst: c.server, sport: c.cport, dport: c.sport, seq: cseq, ack: sseq, flags, ttl: c.clientTtl ?? 64, payload })
  const sf = (flags: number, payload?: Buffer): TcpFrame => ({ src: c.server, dst: c.client, sport: c.sport, dport: c.cport, seq: sseq, ack: cseq, flags, ttl: c.serverTtl ?? 64, payload })
  out.push({ tsUs: t, frame: frame({ ...cf(0x02), seq: cisn, ack: 0 }) })
  out.push({ tsUs: (t += step), frame: frame({ ...sf(0x12), seq: sisn }) })
  out.push({ tsUs: (t += step), frame: frame(cf(0x10)) })
  for (const s of c.clientSegments) {
    out.push({ tsUs: (t += step), frame: frame(cf(0x18, s)) })
    cseq += s.length
  }
  for (const s of c.serverSegments) {
    out.push({ tsUs: (t += step), frame: frame(sf(0x18, s)) })
    sseq += s.length
  }
  out.push({ tsUs: (t += step), frame: frame(cf(0x11)) })
  return out
}

/** Splits bytes into pieces of `size`. */
export function split(b: Buffer, size: number): Buffer[] {
  const out: Buffer[] = []
  for (let o = 0; o < b.length; o += size) out.push(b.subarray(o, o + size))
  return out
}
