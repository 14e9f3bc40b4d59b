// SESSION_SETUP (MS-SMB2 2.2.5/2.2.6, 3.3.5.5) with SPNEGO/NTLMSSP, and LOGOFF.
// Round 1 answers the NEGOTIATE with a fresh CHALLENGE; round 2 captures the
// AUTHENTICATE as an auth_attempt and decides: anonymous → null session,
// a bait account whose NetNTLMv2 verifies → signed session, else LOGON_FAILURE.
import { randomBytes } from 'node:crypto'
import { Severity } from '../../events/event.js'
import {
  buildChallenge, credentialFields, isAnonymous, parseAuthenticate, parseNegotiate, serverMac, verifyNtlmV2, MESSAGE_TYPE,
} from '../shared/ntlmssp.js'
import { NEG_STATE, OID, negTokenResp, parseClientToken } from '../shared/spnego.js'
import { DIALECT, MAX_AUTH_ROUNDS, MAX_SESSIONS, SESSION_FLAG, SMB2_HEADER_SIZE, STATUS } from './constants.js'
import { errorBody } from './header.js'
import { preauthUpdate, signingKey } from './signing.js'
import { cipherKeys } from './transform.js'
import type { AuthState, ConnState, Reply, Request } from './state.js'

function setupResponse(flags: number, blob: Buffer): Buffer {
  const b = Buffer.alloc(8)
  b.writeUInt16LE(9, 0)
  b.writeUInt16LE(flags, 2)
  b.writeUInt16LE(blob.length ? SMB2_HEADER_SIZE + 8 : 0, 4)
  b.writeUInt16LE(blob.length, 6)
  return Buffer.concat([b, blob.length ? blob : Buffer.alloc(1)])
}

function newSessionId(): bigint {
  // Windows session ids: small counter in the low bits, a random high word
  const r = randomBytes(8)
  r[7] = 0
  r[6] = 0
  r[0] = ((r[0] as number) & 0xf0) | 0x09
  return r.readBigUInt64LE()
}

const fail = (c: ConnState, a: AuthState, status: number): Reply => {
  c.sessions.delete(a.id)
  return { status, body: errorBody(), sessionId: a.id, noSign: true }
}

/** SESSION_SETUP request: 64 StructureSize(25) … 76 SecurityBufferOffset(2) 78 SecurityBufferLength(2). */
export function sessionSetup(c: ConnState, req: Request): Reply {
  const m = req.msg
  if (m.length < SMB2_HEADER_SIZE + 24 || m.readUInt16LE(SMB2_HEADER_SIZE) !== 25) return { status: STATUS.INVALID_PARAMETER, body: errorBody() }
  if (c.dialect === 0) return { status: STATUS.INVALID_PARAMETER, body: errorBody(), close: true }
  const off = m.readUInt16LE(SMB2_HEADER_SIZE + 12)
  const len = m.readUInt16LE(SMB2_HEADER_SIZE + 14)
  const blob = off + len <= m.length ? m.subarray(off, off + len) : Buffer.alloc(0)

  let a: AuthState | undefined
  if (req.hdr.sessionId === 0n) {
    if (c.sessions.size >= MAX_SESSIONS) return { status: STATUS.REQUEST_NOT_ACCEPTED, body: errorBody() }
    a = { id: newSessionId(), rounds: 0, done: false, anonymous: false }
    c.sessions.set(a.id, a)
  } else {
    a = c.sessions.get(req.hdr.sessionId)
    if (!a || a.done) return { status: STATUS.USER_SESSION_DELETED, body: errorBody(), sessionId: req.hdr.sessionId }
  }
  if (++a.rounds > MAX_AUTH_ROUNDS) return fail(c, a, STATUS.LOGON_FAILURE)
  const session = a
  if (c.dialect === DIALECT.SMB311) session.preauth = preauthUpdate(session.preauth ?? c.preauth ?? Buffer.alloc(64), m)

  const tok = parseClientToken(blob)
  if (tok?.mechTypes) session.mechTypes = tok.mechTypes
  const raw = tok?.kind === 'raw'
  const wrap = (state: number, token?: Buffer, mic?: Buffer): Buffer =>
    raw ? (token ?? Buffer.alloc(0)) : negTokenResp({ state, ...(state === NEG_STATE.ACCEPT_INCOMPLETE ? { supportedMech: OID.NTLMSSP } : {}), ...(token ? { responseToken: token } : {}), ...(mic ? { mechListMic: mic } : {}) })
  const more = (blob2: Buffer): Reply => ({
    status: STATUS.MORE_PROCESSING_REQUIRED,
    body: setupResponse(0, blob2),
    sessionId: session.id,
    noSign: true,
    onBuilt: (msg) => {
      if (c.dialect === DIALECT.SMB311) session.preauth = preauthUpdate(session.preauth ?? Buffer.alloc(64), msg)
    },
  })

  if (!tok?.ntlm) {
    // NegTokenInit without an NTLM token (e.g. Kerberos first): steer to NTLMSSP
    if (tok?.kind === 'init' && (tok.mechs ?? []).includes(OID.NTLMSSP)) return more(wrap(NEG_STATE.ACCEPT_INCOMPLETE))
    c.s.emit('protocol_error', { error: 'session_setup without NTLMSSP', mechs: tok?.mechs ?? [] })
    return fail(c, session, STATUS.LOGON_FAILURE)
  }
  const type = tok.ntlm.length >= 12 ? tok.ntlm.readUInt32LE(8) : 0
  if (type === MESSAGE_TYPE.NEGOTIATE) {
    const neg = parseNegotiate(tok.ntlm)
    session.challenge = randomBytes(8)
    session.clientFlags = neg?.flags
    const id = c.env.identity
    const challenge = buildChallenge({ serverChallenge: session.challenge, clientFlags: neg?.flags, ...id })
    return more(wrap(NEG_STATE.ACCEPT_INCOMPLETE, challenge))
  }
  const auth = type === MESSAGE_TYPE.AUTHENTICATE ? parseAuthenticate(tok.ntlm) : undefined
  if (!auth || !session.challenge) {
    c.s.emit('protocol_error', { error: 'malformed NTLMSSP in session_setup', ntlm_type: type })
    return fail(c, session, STATUS.LOGON_FAILURE)
  }
  const fields = credentialFields(auth, session.challenge)
  if (isAnonymous(auth)) {
    c.s.emit('auth_attempt', { ...fields, dialect: dialectName(c.dialect), result: 'anonymous' })
    session.done = true
    session.anonymous = true
    return { status: STATUS.SUCCESS, body: setupResponse(SESSION_FLAG.IS_NULL, wrap(NEG_STATE.ACCEPT_COMPLETED)), sessionId: session.id, noSign: true }
  }
  const password = c.env.accounts.get(auth.user.toLowerCase())
  const key = password !== undefined ? verifyNtlmV2(auth, session.challenge, password) : undefined
  c.s.emit('auth_attempt', { ...fields, dialect: dialectName(c.dialect), result: key ? 'success' : 'failure' }, key ? {} : { severity: Severity.NOTICE })
  if (key) c.s.authenticated()
  if (!key) return fail(c, session, STATUS.LOGON_FAILURE)
  session.done = true
  session.user = auth.user
  session.domain = auth.domain
  session.signingKey = signingKey(c.dialect, key, session.preauth)
  if (c.cipher) session.cipherKeys = cipherKeys(c.dialect, c.cipher, key, session.preauth)
  const mic = session.mechTypes && !raw ? serverMac(key, auth.flags, session.mechTypes) : undefined
  return {
    status: STATUS.SUCCESS,
    body: setupResponse(0, wrap(NEG_STATE.ACCEPT_COMPLETED, undefined, mic)),
    sessionId: session.id,
    forceSignKey: session.signingKey,
  }
}

export function logoff(c: ConnState, req: Request): Reply {
  const a = c.sessions.get(req.hdr.sessionId)
  if (!a) return { status: STATUS.USER_SESSION_DELETED, body: errorBody() }
  c.sessions.delete(a.id)
  for (const [id, t] of c.trees) if (t.sessionId === a.id) c.trees.delete(id)
  const b = Buffer.alloc(4)
  b.writeUInt16LE(4, 0)
  return { status: STATUS.SUCCESS, body: b, sessionId: a.id, ...(a.signingKey ? { forceSignKey: a.signingKey } : {}) }
}

export function dialectName(d: number): string {
  if (d === DIALECT.WILDCARD) return '2.???'
  return `${d >> 8}.${((d >> 4) & 0xf)}.${d & 0xf}`
}
