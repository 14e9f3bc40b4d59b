// CredSSP TSRequest (MS-CSSP 2.2.1) in DER:
//   TSRequest ::= SEQUENCE { version [0] INTEGER, negoTokens [1] NegoData OPTIONAL,
//     authInfo [2] OCTET STRING OPTIONAL, pubKeyAuth [3] OCTET STRING OPTIONAL,
//     errorCode [4] INTEGER OPTIONAL, clientNonce [5] OCTET STRING OPTIONAL }
//   NegoData ::= SEQUENCE OF SEQUENCE { negoToken [0] OCTET STRING }
import { children, explicit, field, integer, octets, readInt32, readTlv, readUInt, seq, TAG } from '../shared/der.js'

/** Version Windows 10 1809+/Server 2019+ answers with. */
export const SERVER_VERSION = 6
/** Largest TSRequest we buffer. */
export const MAX_TSREQUEST = 32768

export interface TsRequest {
  version: number
  negoToken?: Buffer
  hasAuthInfo: boolean
  hasPubKeyAuth: boolean
  errorCode?: number
  clientNonce?: Buffer
}

/** Bytes needed for the whole DER element at the start of buf, or undefined when the header is incomplete/invalid. */
export function tsRequestLength(buf: Buffer): number | undefined | 'invalid' {
  if (buf.length < 2) return undefined
  if (buf[0] !== TAG.SEQUENCE) return 'invalid'
  const first = buf[1] as number
  if (first < 0x80) return 2 + first
  const n = first & 0x7f
  if (n === 0 || n > 4) return 'invalid'
  if (buf.length < 2 + n) return undefined
  let len = 0
  for (let i = 0; i < n; i++) len = len * 256 + (buf[2 + i] as number)
  return 2 + n + len
}

function octetString(t: { content: Buffer } | undefined): Buffer | undefined {
  const inner = t && readTlv(t.content)
  return inner && inner.tag === TAG.OCTET_STRING ? inner.content : undefined
}

export function parseTsRequest(buf: Buffer): TsRequest | undefined {
  const top = readTlv(buf)
  if (!top || top.tag !== TAG.SEQUENCE) return undefined
  const v = field(top.content, 0)
  const vi = v && readTlv(v.content)
  const version = vi && vi.tag === TAG.INTEGER ? readUInt(vi.content) : undefined
  if (version === undefined) return undefined
  const out: TsRequest = { version, hasAuthInfo: field(top.content, 2) !== undefined, hasPubKeyAuth: field(top.content, 3) !== undefined }
  const nd = field(top.content, 1)
  const list = nd && readTlv(nd.content)
  if (list && list.tag === TAG.SEQUENCE) {
    const first = children(list.content)?.[0]
    if (first && first.tag === TAG.SEQUENCE) {
      const tok = octetString(field(first.content, 0))
      if (tok) out.negoToken = Buffer.from(tok)
    }
  }
  const ec = field(top.content, 4)
  const eci = ec && readTlv(ec.content)
  if (eci && eci.tag === TAG.INTEGER) out.errorCode = readInt32(eci.content)
  const nonce = octetString(field(top.content, 5))
  if (nonce) out.clientNonce = Buffer.from(nonce)
  return out
}

export function buildTsRequest(o: { version?: number; negoToken?: Buffer; errorCode?: number }): Buffer {
  const parts = [explicit(0, integer(o.version ?? SERVER_VERSION))]
  if (o.negoToken) parts.push(explicit(1, seq(seq(explicit(0, octets(o.negoToken))))))
  if (o.errorCode !== undefined) parts.push(explicit(4, integer(o.errorCode | 0)))
  return seq(...parts)
}
