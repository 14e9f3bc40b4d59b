// SPNEGO (RFC 4178, MS-SPNG) around NTLMSSP: the NegTokenInit2 a Windows
// server puts in its SMB2 NEGOTIATE response, the NegTokenResp replies of
// SESSION_SETUP, and a reader that pulls the NTLMSSP token (and the client's
// mechTypes, which the mechListMIC covers) out of whatever the client sent.
import { children, ctxTag, enumerated, explicit, field, octets, oid, oidString, readTlv, seq, tlv, TAG } from './der.js'
import { findNtlmssp } from './ntlmssp.js'

export const OID = Object.freeze({
  SPNEGO: '1.3.6.1.5.5.2',
  NTLMSSP: '1.3.6.1.4.1.311.2.2.10',
})

export const NEG_STATE = Object.freeze({ ACCEPT_COMPLETED: 0, ACCEPT_INCOMPLETE: 1, REJECT: 2, REQUEST_MIC: 3 })

/** The hint Windows puts in NegTokenInit2 (MS-SPNG 2.2.1). */
const NEG_HINT_NAME = 'not_defined_in_RFC4178@please_ignore'

/** GSS-API InitialContextToken carrying NegTokenInit2 with NTLMSSP as the only mechanism. */
export function negTokenInit2(): Buffer {
  const mechTypes = seq(oid(OID.NTLMSSP))
  const hints = seq(explicit(0, tlv(0x1b, Buffer.from(NEG_HINT_NAME, 'latin1'))))
  return tlv(TAG.APPLICATION_0, oid(OID.SPNEGO), explicit(0, seq(explicit(0, mechTypes), explicit(3, hints))))
}

export interface NegTokenRespOptions {
  state: number
  supportedMech?: string
  responseToken?: Buffer
  mechListMic?: Buffer
}

/** NegTokenResp ::= [1] SEQUENCE { negState [0], supportedMech [1], responseToken [2], mechListMIC [3] } */
export function negTokenResp(o: NegTokenRespOptions): Buffer {
  const parts = [explicit(0, enumerated(o.state))]
  if (o.supportedMech) parts.push(explicit(1, oid(o.supportedMech)))
  if (o.responseToken) parts.push(explicit(2, octets(o.responseToken)))
  if (o.mechListMic) parts.push(explicit(3, octets(o.mechListMic)))
  return explicit(1, seq(...parts))
}

export interface ClientToken {
  /** The NTLMSSP message the client sent, if any. */
  ntlm?: Buffer
  /** Raw DER of the client's MechTypeList (NegTokenInit only). */
  mechTypes?: Buffer
  /** Mechanism OIDs the client offered. */
  mechs?: string[]
  /** 'init' | 'resp' | 'raw' (bare NTLMSSP) */
  kind: 'init' | 'resp' | 'raw'
}

function octetContent(t: { content: Buffer } | undefined): Buffer | undefined {
  if (!t) return undefined
  const inner = readTlv(t.content)
  return inner && inner.tag === TAG.OCTET_STRING ? inner.content : undefined
}

/**
 * Parse a client SPNEGO token: GSS InitialContextToken(NegTokenInit),
 * NegTokenResp, or a bare NTLMSSP message. Undefined when nothing usable.
 */
export function parseClientToken(blob: Buffer): ClientToken | undefined {
  if (blob.length >= 8 && findNtlmssp(blob) === 0) return { kind: 'raw', ntlm: blob }
  const top = readTlv(blob)
  if (!top) return undefined
  if (top.tag === TAG.APPLICATION_0) {
    const parts = children(top.content)
    const mechOid = parts?.[0]
    if (!parts || !mechOid || mechOid.tag !== TAG.OID || oidString(mechOid.content) !== OID.SPNEGO) return undefined
    const init = parts[1]
    if (!init || init.tag !== ctxTag(0)) return undefined
    const body = readTlv(init.content)
    if (!body || body.tag !== TAG.SEQUENCE) return undefined
    const out: ClientToken = { kind: 'init' }
    const mt = field(body.content, 0)
    const list = mt && readTlv(mt.content)
    if (list && list.tag === TAG.SEQUENCE) {
      out.mechTypes = Buffer.from(mt.content.subarray(list.start, list.end))
      out.mechs = (children(list.content) ?? []).filter((c) => c.tag === TAG.OID).map((c) => oidString(c.content) ?? '?')
    }
    const tok = octetContent(field(body.content, 2))
    if (tok && findNtlmssp(tok) === 0) out.ntlm = tok
    return out
  }
  if (top.tag === ctxTag(1)) {
    const body = readTlv(top.content)
    if (!body || body.tag !== TAG.SEQUENCE) return undefined
    const tok = octetContent(field(body.content, 2))
    return { kind: 'resp', ...(tok && findNtlmssp(tok) === 0 ? { ntlm: tok } : {}) }
  }
  return undefined
}
