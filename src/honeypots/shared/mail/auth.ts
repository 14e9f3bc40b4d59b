// What pop3 and imap share for logins: SASL PLAIN/LOGIN decoding, the
// auth_attempt event, Dovecot's failure delay and its pre-login deadline.
import { Severity, encodeSecret } from '../../../events/event.js'
import type { Session } from '../../../runtime/context.js'

/** Dovecot's auth_failure_delay (2 secs): a failed login is answered this much later. */
export const AUTH_FAILURE_DELAY_MS = 2_000
/** Dovecot's login processes drop a client that has not logged in within 3 minutes. */
export const LOGIN_TIMEOUT_MS = 180_000
export const LOGIN_TIMEOUT_REASON = 'login_timeout'
/** Longest username / secret kept in an event. */
const MAX_FIELD = 512
/** Dovecot's login-common: an unknown command counts, the third in a row disconnects. */
export const MAX_BAD_COMMANDS = 3
/** Base64 SASL responses longer than this are refused (Dovecot: LOGIN_MAX_AUTH_BUF_SIZE 8192). */
export const MAX_SASL_RESPONSE = 8192

export interface Attempt {
  username: string
  secret: string | Buffer
  /** USER (USER/PASS), LOGIN (IMAP LOGIN), PLAIN, LOGIN-SASL is `LOGIN`, APOP. */
  mechanism: string
  outcome: 'success' | 'failure'
  secretKind?: string
  extra?: Record<string, string | undefined>
}

export function emitAttempt(session: Session, a: Attempt): void {
  const username = a.username.slice(0, MAX_FIELD)
  const secret = typeof a.secret === 'string' ? Buffer.from(a.secret, 'utf8') : a.secret
  session.emit('auth_attempt', {
    username,
    principal: username,
    mechanism: a.mechanism,
    secret_kind: a.secretKind ?? 'plaintext',
    ...encodeSecret(secret.subarray(0, MAX_FIELD)),
    outcome: a.outcome,
    ...a.extra,
  }, a.outcome === 'failure' ? { severity: Severity.NOTICE } : undefined)
}

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** Strict base64 ("=" alone is an empty response, RFC 4959), or undefined. */
export function decodeSasl(s: string): Buffer | undefined {
  const t = s.trim()
  if (t === '=') return Buffer.alloc(0)
  if (t.length > MAX_SASL_RESPONSE || !B64.test(t)) return undefined
  return Buffer.from(t, 'base64')
}

/** RFC 4616: [authzid] NUL authcid NUL passwd. */
export function parsePlain(b: Buffer): { authzid: string; user: string; pass: Buffer } | undefined {
  const a = b.indexOf(0)
  if (a < 0) return undefined
  const c = b.indexOf(0, a + 1)
  if (c < 0) return undefined
  return { authzid: b.subarray(0, a).toString('utf8'), user: b.subarray(a + 1, c).toString('utf8'), pass: b.subarray(c + 1) }
}

export const SASL_USERNAME = Buffer.from('Username:').toString('base64')
export const SASL_PASSWORD = Buffer.from('Password:').toString('base64')

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref())

export type SaslResult =
  | { ok: true; user: string; pass: Buffer; authzid?: string; mechanism: 'PLAIN' | 'LOGIN' }
  | { ok: false; reason: 'aborted' | 'invalid' | 'unsupported' }

interface Prompter {
  writeLine(text: string): void
  readLine(): Promise<{ text: string }>
}

/**
 * One SASL exchange for PLAIN or LOGIN: `+ <challenge>` continuations, a
 * client line each, "*" aborts; `ir` is the initial response (SASL-IR, or
 * POP3's AUTH argument).
 */
export async function readSasl(srv: Prompter, mechanism: string, ir: string | undefined): Promise<SaslResult> {
  const ask = async (challenge: string): Promise<Buffer | 'aborted' | undefined> => {
    srv.writeLine(`+ ${challenge}`)
    const line = (await srv.readLine()).text
    if (line.trim() === '*') return 'aborted'
    return decodeSasl(line)
  }
  const mech = mechanism.toUpperCase()
  if (mech === 'PLAIN') {
    const resp = ir !== undefined ? decodeSasl(ir) : await ask('')
    if (resp === 'aborted') return { ok: false, reason: 'aborted' }
    const p = resp && parsePlain(resp)
    if (!p) return { ok: false, reason: 'invalid' }
    return { ok: true, user: p.user, pass: p.pass, authzid: p.authzid || undefined, mechanism: 'PLAIN' }
  }
  if (mech === 'LOGIN') {
    const u = ir !== undefined ? decodeSasl(ir) : await ask(SASL_USERNAME)
    if (u === 'aborted') return { ok: false, reason: 'aborted' }
    if (!u) return { ok: false, reason: 'invalid' }
    const p = await ask(SASL_PASSWORD)
    if (p === 'aborted') return { ok: false, reason: 'aborted' }
    if (!p) return { ok: false, reason: 'invalid' }
    return { ok: true, user: u.toString('utf8'), pass: p, mechanism: 'LOGIN' }
  }
  return { ok: false, reason: 'unsupported' }
}
