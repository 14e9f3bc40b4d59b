// TPKT (RFC 1006) + X.224 (ISO 8073) Connection Request / Confirm with the
// RDP negotiation structures (MS-RDPBCGR 2.2.1.1, 2.2.1.2). No sockets here.
import { FrameReader, TPKT } from '../shared/frame-reader.js'

export const TPKT_VERSION = 3
export const TPKT_HEADER = 4
/** Largest TPKT we accept before TLS (a CR is < 100 bytes; MCS Connect-Initial a few KiB). */
export const MAX_TPKT = 16384
export const X224_CR = 0xe0
export const X224_CC = 0xd0
/** SRC-REF Windows puts in its Connection Confirm (nmap matches on it). */
export const WINDOWS_SRC_REF = 0x1234
export const MAX_COOKIE = 256

export const PROTOCOL = Object.freeze({ RDP: 0x0, SSL: 0x1, HYBRID: 0x2, RDSTLS: 0x4, HYBRID_EX: 0x8, RDSAAD: 0x10 })
export const NEG_TYPE = Object.freeze({ REQ: 0x01, RSP: 0x02, FAILURE: 0x03, CORRELATION_INFO: 0x06 })
/** RDP_NEG_FAILURE codes (2.2.1.2.2). */
export const NEG_FAILURE = Object.freeze({ SSL_REQUIRED_BY_SERVER: 1, SSL_NOT_ALLOWED_BY_SERVER: 2, SSL_CERT_NOT_ON_SERVER: 3, INCONSISTENT_FLAGS: 4, HYBRID_REQUIRED_BY_SERVER: 5 })
/** RDP_NEG_RSP flags of Windows 10 / Server 2016+: EXTENDED_CLIENT_DATA | GFX | reserved | RESTRICTED_ADMIN | REDIRECTED_AUTH. */
export const WINDOWS_NEG_RSP_FLAGS = 0x1f

export interface TpktResult {
  /** Whole TPKT packets (header included). */
  packets: Buffer[]
  /** Bytes left over (an incomplete packet). */
  rest: Buffer
  error?: string
}

/** Every whole TPKT the reader holds now (03 00 LEN(2, BE, includes the header)), or its framing error. */
export function drainTpkt(reader: FrameReader): { packets: Buffer[]; error?: string } {
  const packets: Buffer[] = []
  for (let r = reader.next(); r; r = reader.next()) {
    if ('error' in r) return { packets, error: r.error }
    packets.push(r.frame)
  }
  return { packets }
}

/** Split TPKT packets out of one buffer. */
export function splitTpkt(buf: Buffer, max = MAX_TPKT): TpktResult {
  const reader = new FrameReader(TPKT, max)
  reader.push(buf)
  const { packets, error } = drainTpkt(reader)
  const rest = buf.subarray(packets.reduce((n, p) => n + p.length, 0))
  return error === undefined ? { packets, rest } : { packets, rest, error }
}

export interface ConnectionRequest {
  cookie?: string
  /** Routing token ("Cookie: msts=…") as sent. */
  routingToken?: string
  /** undefined when no RDP_NEG_REQ was present. */
  requestedProtocols?: number
  negFlags?: number
  /** A cookie longer than MAX_COOKIE was cut. */
  truncated: boolean
}

const COOKIE = /^Cookie: ?mstshash=([^\r\n\0]*)\r\n/i
const ROUTING = /^Cookie: ?msts=([^\r\n\0]*)\r\n/i

/**
 * X.224 CR TPDU (after the TPKT header): LI(1) CR|CDT(1)=0xE0 DST-REF(2) SRC-REF(2) CLASS(1),
 * then routingToken/cookie (CRLF-terminated) and an optional RDP_NEG_REQ (type 1, flags, length 8, u32).
 */
export function parseConnectionRequest(pkt: Buffer): ConnectionRequest | undefined {
  if (pkt.length < 11) return undefined
  const li = pkt[4] as number
  if (((pkt[5] as number) & 0xf0) !== X224_CR || li < 6 || 5 + li > pkt.length) return undefined
  let data = pkt.subarray(11, 5 + li)
  const out: ConnectionRequest = { truncated: false }
  const text = data.subarray(0, Math.min(data.length, MAX_COOKIE + 32)).toString('latin1')
  const m = COOKIE.exec(text) ?? undefined
  const r = m ? undefined : ROUTING.exec(text) ?? undefined
  const hit = m ?? r
  if (hit) {
    const value = hit[1] ?? ''
    if (m) out.cookie = value.slice(0, MAX_COOKIE)
    else out.routingToken = value.slice(0, MAX_COOKIE)
    out.truncated = value.length > MAX_COOKIE
    data = data.subarray(hit[0].length)
  } else if (/^Cookie:/i.test(text)) {
    // a cookie longer than we read, or without CRLF: skip to the CRLF if any
    const crlf = data.indexOf('\r\n')
    if (crlf < 0) return { ...out, truncated: true }
    out.cookie = data.subarray(0, crlf).toString('latin1').replace(/^Cookie: ?mstshash=/i, '').slice(0, MAX_COOKIE)
    out.truncated = true
    data = data.subarray(crlf + 2)
  }
  if (data.length >= 8 && data[0] === NEG_TYPE.REQ && data.readUInt16LE(2) === 8) {
    out.negFlags = data[1] as number
    out.requestedProtocols = data.readUInt32LE(4)
  }
  return out
}

function confirm(neg?: Buffer): Buffer {
  const body = neg ?? Buffer.alloc(0)
  const b = Buffer.alloc(11)
  b[0] = TPKT_VERSION
  b.writeUInt16BE(11 + body.length, 2)
  b[4] = 6 + body.length // LI
  b[5] = X224_CC
  b.writeUInt16BE(0, 6) // DST-REF
  b.writeUInt16BE(WINDOWS_SRC_REF, 8)
  b[10] = 0 // class 0
  return Buffer.concat([b, body])
}

/** X.224 CC with RDP_NEG_RSP (2.2.1.2.1). */
export function negotiationResponse(selected: number, flags = WINDOWS_NEG_RSP_FLAGS): Buffer {
  const n = Buffer.alloc(8)
  n[0] = NEG_TYPE.RSP
  n[1] = flags
  n.writeUInt16LE(8, 2)
  n.writeUInt32LE(selected, 4)
  return confirm(n)
}

/** X.224 CC with RDP_NEG_FAILURE (2.2.1.2.2). */
export function negotiationFailure(code: number): Buffer {
  const n = Buffer.alloc(8)
  n[0] = NEG_TYPE.FAILURE
  n.writeUInt16LE(8, 2)
  n.writeUInt32LE(code, 4)
  return confirm(n)
}

/** CC without negotiation data (a legacy client that sent no RDP_NEG_REQ). */
export const legacyConfirm = (): Buffer => confirm()

export function protocolNames(p: number): string[] {
  if (p === 0) return ['rdp']
  return Object.entries(PROTOCOL).filter(([, v]) => v !== 0 && (p & v) === v).map(([k]) => k.toLowerCase())
}

/** What a Windows server selects; a number is RDP_NEG_RSP.selected, `{ failure }` an RDP_NEG_FAILURE code. */
export function selectProtocol(requested: number, nlaRequired: boolean): number | { failure: number } {
  if (requested & PROTOCOL.HYBRID_EX && requested & PROTOCOL.HYBRID) return PROTOCOL.HYBRID_EX
  if (requested & PROTOCOL.HYBRID) return PROTOCOL.HYBRID
  if (nlaRequired) return { failure: NEG_FAILURE.HYBRID_REQUIRED_BY_SERVER }
  if (requested & PROTOCOL.SSL) return PROTOCOL.SSL
  return { failure: NEG_FAILURE.SSL_REQUIRED_BY_SERVER }
}
