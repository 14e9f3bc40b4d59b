// smtp / smtp_relay emulator: Postfix 3.7 smtpd as Debian 12 ships it, with a
// Dovecot SASL backend (the decky's pop3/imap account), STARTTLS on 25 and
// 587 (587 is submission: TLS before MAIL/AUTH), implicit TLS on 465 when the
// plugin declares it. Accepted messages are stored whole as artifacts with
// their envelope; attachments separately. smtp accepts local recipients only
// (554 Relay access denied otherwise, unless the bait account logged in);
// smtp_relay accepts every recipient and delivers nothing, unless the
// operator configured an upstream (see relay.ts). docs/smtp.md.
import { createHash, createHmac } from 'node:crypto'
import type { Socket } from 'node:net'
import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls'
import { Severity } from '../../events/event.js'
import type { EmulatorFactory, Honeypot, HoneypotContext, Session } from '../../runtime/context.js'
import { LineServer, StreamReadError, type Line } from '../shared/line-server.js'
import { deckyCertificate } from '../shared/tls.js'
import { isBaitLogin } from '../shared/mail/persona.js'
import { AUTH_FAILURE_DELAY_MS, SASL_PASSWORD, SASL_USERNAME, decodeSasl, emitAttempt, parsePlain, sleep } from '../shared/mail/auth.js'
import {
  HARD_ERROR_LIMIT, RECIPIENT_LIMIT, SMTPD_TIMEOUT_MS, SMTPD_TIMEOUT_REASON, cramChallenge, ehloLines, queueId, smtpPersona, type SmtpPersona,
} from './persona.js'
import { parseMessage } from './mime.js'
import { MAX_FORWARD_RCPTS, RELAY_WINDOW_MS, RelayBudget, UpstreamClient, type Forwarder } from './relay.js'

export const SMTP_PORT = 25
export const SUBMISSION_PORT = 587
export const SMTPS_PORT = 465
/** A BDAT chunk larger than this is refused and the session closed (it cannot be skipped in reasonable time). */
export const BDAT_MAX_CHUNK = 64 * 1024 * 1024
/** BDAT chunks are read in slices of this size, never allocated by the declared size. */
const BDAT_SLICE = 64 * 1024
/** Recipients listed in an event. */
const MAX_EVENT_RCPTS = 100
/** unknown_command events per session. */
const MAX_UNKNOWN_EVENTS = 32
const MAX_FIELD = 256

export interface SmtpOptions {
  relay: boolean
  /** The plugin's declared ports (465 only when declared). */
  ports: readonly number[]
  /** Tests: replaces the upstream client. */
  forwarder?: Forwarder
  /** Dovecot's auth_failure_delay (2 s); tests and the bench lower it. */
  failureDelayMs?: number
}

export interface SmtpEnv {
  ctx: HoneypotContext
  persona: SmtpPersona
  secure: SecureContext
  relay: boolean
  failureDelayMs: number
  forwarder?: Forwarder
  budget?: RelayBudget
  upstreamSender?: string
}

type Port = 'smtp' | 'submission' | 'smtps'

interface Envelope {
  from: string
  rcpts: string[]
}

const clip = (s: string, n = MAX_FIELD) => (s.length > n ? s.slice(0, n) : s)

/** `FROM:<addr> params` / `TO:<addr> params` → address and params; undefined on a syntax error. */
export function parsePath(arg: string, keyword: 'FROM' | 'TO'): { address: string; params: string[] } | undefined {
  const m = new RegExp(`^${keyword}:\\s*(<[^<>]*>|[^\\s<>]+)(?:\\s+(.*))?$`, 'i').exec(arg.trim())
  if (!m) return undefined
  let address = m[1] ?? ''
  if (address.startsWith('<')) address = address.slice(1, -1)
  // source route <@a,@b:user@host> (RFC 5321 §4.1.2): keep the mailbox
  const colon = address.startsWith('@') ? address.indexOf(':') : -1
  if (colon >= 0) address = address.slice(colon + 1)
  return { address, params: (m[2] ?? '').split(/\s+/).filter(Boolean) }
}

const domainOf = (address: string) => {
  const at = address.lastIndexOf('@')
  return at < 0 ? '' : address.slice(at + 1).toLowerCase().replace(/\.$/, '')
}

function isLocal(p: SmtpPersona, address: string): boolean {
  const d = domainOf(address)
  return d === '' || d === p.domain || d === p.hostname || d === 'localhost' || d === `localhost.${p.domain}`
}

const ADDRESS_OK = /^[^\s@<>()[\]\\,;:"]+(?:@[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|@\[[0-9A-Fa-f.:]+\])?$/

export async function smtpEnv(ctx: HoneypotContext, opts: SmtpOptions): Promise<SmtpEnv> {
  const persona = smtpPersona(ctx)
  const { key, cert } = await deckyCertificate(ctx, { cn: persona.hostname })
  // Debian's Postfix: smtpd_tls_mandatory_protocols = !SSLv2, !SSLv3, !TLSv1, !TLSv1.1; default ciphers
  const secure = createSecureContext({ key, cert, minVersion: 'TLSv1.2' })
  const env: SmtpEnv = { ctx, persona, secure, relay: opts.relay, failureDelayMs: opts.failureDelayMs ?? AUTH_FAILURE_DELAY_MS }
  if (opts.relay) {
    const cfg = ctx.config
    const host = typeof cfg.upstream_host === 'string' ? cfg.upstream_host.trim() : ''
    if (opts.forwarder) env.forwarder = opts.forwarder
    else if (host !== '') {
      env.forwarder = new UpstreamClient({
        host,
        port: Number(cfg.upstream_port ?? 25),
        user: typeof cfg.upstream_user === 'string' && cfg.upstream_user !== '' ? cfg.upstream_user : undefined,
        pass: typeof cfg.upstream_pass === 'string' ? cfg.upstream_pass : undefined,
        helo: persona.hostname,
      })
    }
    const limit = Number(cfg.probe_limit ?? 1)
    env.budget = new RelayBudget(Number.isSafeInteger(limit) && limit >= 0 ? limit : 1)
    if (typeof cfg.upstream_sender === 'string' && cfg.upstream_sender !== '') env.upstreamSender = cfg.upstream_sender
  }
  return env
}

export function handleSmtp(env: SmtpEnv, stream: Socket | TLSSocket, session: Session, port: Port): void {
  const { ctx, persona } = env
  let tls = port === 'smtps'
  let helo: string | undefined
  let authUser: string | undefined
  let envelope: Envelope | undefined
  /** BDAT in progress: what the chunks so far kept. */
  let bdat: { parts: Buffer[]; kept: number; total: number } | undefined
  let errors = 0
  let unknownEvents = 0
  const cap = Math.max(0, Math.min(ctx.artifacts.maxFileBytes, persona.sizeLimit))
  const authAllowed = () => tls || (port === 'smtp' && persona.authBeforeTls)
  const needTls = () => port === 'submission' && !tls

  const reply = (srv: LineServer, text: string) => {
    const code = Number(text.slice(0, 3))
    srv.write(text.endsWith('\r\n') ? text : `${text}\r\n`)
    if (code >= 400 && code !== 421 && ++errors >= HARD_ERROR_LIMIT) {
      srv.writeLine(`421 4.7.0 ${persona.hostname} Error: too many errors`)
      session.emit('protocol_error', { error: 'too_many_errors', count: errors })
      srv.close('too_many_errors')
    }
  }

  const resetTransaction = () => {
    envelope = undefined
    bdat = undefined
  }

  const finishMessage = async (srv: LineServer, data: Buffer, total: number, via: 'DATA' | 'BDAT') => {
    const env0 = envelope as Envelope
    resetTransaction()
    const truncated = total > data.length
    const tooBig = total > persona.sizeLimit
    const qid = queueId(persona)
    const sha256 = createHash('sha256').update(data).digest('hex')
    const rcptList = env0.rcpts.slice(0, MAX_EVENT_RCPTS)
    const envelopeFields = {
      queue_id: qid,
      smtp_cmd: via,
      helo,
      mail_from: env0.from,
      rcpt_to: rcptList,
      rcpt_count: env0.rcpts.length,
      tls,
      auth_user: authUser,
      session: session.id,
    }
    const stored = await ctx.artifacts.save({
      name: `${qid}.eml`,
      data,
      truncated,
      originalSize: truncated ? total : undefined,
      peer: session.peer,
      fields: { via: 'smtp', ...envelopeFields },
    })
    const parsed = parseMessage(data)
    let attachments = 0
    for (const a of parsed.attachments) {
      const rec = await ctx.artifacts.save({
        name: a.filename,
        data: a.data,
        peer: session.peer,
        fields: { via: 'smtp_attachment', queue_id: qid, message_sha256: sha256, content_type: a.contentType, mail_from: env0.from, session: session.id },
      })
      if (rec) attachments++
    }
    session.emit('message_accepted', {
      ...envelopeFields,
      size: total,
      truncated,
      sha256,
      stored: stored !== undefined,
      outcome: tooBig ? 'rejected_size' : 'queued',
      subject: parsed.subject,
      from_hdr: parsed.from,
      message_id_hdr: parsed.messageId,
      content_type: parsed.contentType,
      attachment_count: parsed.attachments.length,
      attachments_stored: attachments,
    })
    if (tooBig) return reply(srv, '552 5.3.4 Message size exceeds fixed limit')
    srv.writeLine(`250 2.0.0 Ok: queued as ${qid}`)
    if (env.relay) relayDecision(env, session, { qid, from: env0.from, rcpts: env0.rcpts, data, truncated })
  }

  const readData = async (srv: LineServer) => {
    if (!envelope || envelope.rcpts.length === 0) return reply(srv, '503 5.5.1 Error: need RCPT command')
    if (bdat) return reply(srv, '503 5.5.1 Error: DATA after BDAT')
    srv.writeLine('354 End data with <CR><LF>.<CR><LF>')
    const r = await srv.readUntil('\r\n.\r\n', { maxBytes: cap, dotUnstuff: true })
    await finishMessage(srv, r.data, r.bytes, 'DATA')
  }

  const readChunk = async (srv: LineServer, args: string) => {
    const m = /^(\d{1,20})(?:\s+(LAST))?\s*$/i.exec(args)
    if (!m) return reply(srv, '501 5.5.4 Syntax: BDAT count [LAST]')
    const size = Number(m[1])
    const last = m[2] !== undefined
    if (!Number.isSafeInteger(size) || size > BDAT_MAX_CHUNK) {
      // cannot be skipped: refuse before reading (or allocating) anything, and hang up
      session.emit('protocol_error', { error: 'bdat_too_large', size: m[1] })
      srv.writeLine('552 5.3.4 Message size exceeds fixed limit')
      srv.close('bdat_too_large')
      return
    }
    // the chunk is read (and kept up to the cap) even when it will be refused, so the session stays in sync
    const cur = bdat ?? { parts: [], kept: 0, total: 0 }
    for (let left = size; left > 0;) {
      const n = Math.min(left, BDAT_SLICE)
      const b = await srv.readBytes(n, { max: BDAT_SLICE })
      const keep = Math.min(b.length, cap - cur.kept)
      if (keep > 0) {
        cur.parts.push(keep === b.length ? b : Buffer.from(b.subarray(0, keep)))
        cur.kept += keep
      }
      cur.total += b.length
      left -= n
    }
    if (!envelope || envelope.rcpts.length === 0) return reply(srv, '503 5.5.1 Error: need RCPT command')
    bdat = cur
    if (!last) return srv.writeLine(`250 2.0.0 Ok: ${size} bytes`)
    await finishMessage(srv, Buffer.concat(cur.parts, cur.kept), cur.total, 'BDAT')
  }

  const auth = async (srv: LineServer, args: string) => {
    if (!authAllowed()) return reply(srv, needTls() ? '530 5.7.0 Must issue a STARTTLS command first' : '503 5.5.1 Error: authentication not enabled')
    if (authUser !== undefined) return reply(srv, '503 5.5.1 Error: already authenticated')
    if (envelope) return reply(srv, '503 5.5.1 Error: MAIL transaction in progress')
    const [mechRaw = '', ir, extra] = args.split(/\s+/).filter(Boolean)
    if (mechRaw === '' || extra !== undefined) return reply(srv, '501 5.5.4 Syntax: AUTH mechanism')
    const mech = mechRaw.toUpperCase()
    const tlsField = { tls: String(tls) }
    if (!persona.mechanisms.includes(mech)) return reply(srv, '535 5.7.8 Error: authentication failed: Invalid authentication mechanism')
    if (ir !== undefined && ir !== '=' && decodeSasl(ir) === undefined) return reply(srv, '535 5.7.8 Error: authentication failed: Invalid base64 data in initial response')
    /** One 334 challenge and the client's line; 'aborted', or undefined for bad base64. */
    const ask = async (challenge: string): Promise<Buffer | 'aborted' | undefined> => {
      srv.writeLine(`334 ${challenge}`)
      const line = (await srv.readLine()).text.trim()
      if (line === '*') return 'aborted'
      return decodeSasl(line)
    }
    const aborted = () => reply(srv, '501 5.7.0 Authentication aborted')
    const badB64 = () => reply(srv, '501 5.5.2 Cannot decode response')
    const done = async (user: string, secret: Buffer, ok: boolean, failText: string, extraFields: Record<string, string | undefined> = {}, secretKind?: string) => {
      emitAttempt(session, { username: user, secret, mechanism: mech, outcome: ok ? 'success' : 'failure', secretKind, extra: { ...tlsField, ...extraFields } })
      if (ok) {
        authUser = user
        session.authenticated()
        session.emit('login', { username: user, tls: String(tls) })
        return srv.writeLine('235 2.7.0 Authentication successful')
      }
      await sleep(env.failureDelayMs)
      reply(srv, `535 5.7.8 Error: authentication failed: ${failText}`)
    }
    if (mech === 'PLAIN') {
      const resp = ir !== undefined ? decodeSasl(ir) : await ask('')
      if (resp === 'aborted') return aborted()
      if (resp === undefined) return badB64()
      const p = parsePlain(resp)
      if (!p) {
        await sleep(env.failureDelayMs)
        return reply(srv, '535 5.7.8 Error: authentication failed: Invalid authentication data')
      }
      return done(p.user, p.pass, isBaitLogin(persona.mail, p.user, p.pass), '', { authzid: p.authzid || undefined })
    }
    if (mech === 'LOGIN') {
      const u = ir !== undefined ? decodeSasl(ir) : await ask(SASL_USERNAME)
      if (u === 'aborted') return aborted()
      if (u === undefined) return badB64()
      const pw = await ask(SASL_PASSWORD)
      if (pw === 'aborted') return aborted()
      if (pw === undefined) return badB64()
      const user = u.toString('utf8')
      // Postfix + Dovecot: a failed LOGIN reports the last challenge
      return done(user, pw, isBaitLogin(persona.mail, user, pw), SASL_PASSWORD)
    }
    // CRAM-MD5 (RFC 2195): base64 "user hexdigest" to a <random.time@host> challenge
    const challenge = cramChallenge(persona)
    const resp = await ask(Buffer.from(challenge).toString('base64'))
    if (resp === 'aborted') return aborted()
    if (resp === undefined) return badB64()
    const s = resp.toString('latin1')
    const sp = s.lastIndexOf(' ')
    const user = sp > 0 ? s.slice(0, sp) : s
    const digest = sp > 0 ? s.slice(sp + 1).toLowerCase() : ''
    const a = persona.mail.account
    const ok = (user.toLowerCase() === a.user || user.toLowerCase() === a.address) && /^[0-9a-f]{32}$/.test(digest) &&
      createHmac('md5', a.password).update(challenge).digest('hex') === digest
    return done(Buffer.from(user, 'latin1').toString('utf8'), Buffer.from(digest), ok, '', {
      challenge,
      // hashcat -m 16400: $cram_md5$<base64 challenge>$<base64 "user digest">
      hashcat: `$cram_md5$${Buffer.from(challenge).toString('base64')}$${resp.toString('base64')}`,
    }, 'cram_md5')
  }

  const mail = (srv: LineServer, args: string) => {
    if (needTls()) return reply(srv, '530 5.7.0 Must issue a STARTTLS command first')
    if (envelope) return reply(srv, '503 5.5.1 Error: nested MAIL command')
    const p = parsePath(args, 'FROM')
    if (!p) return reply(srv, '501 5.5.4 Syntax: MAIL FROM:<address>')
    if (p.address !== '' && !ADDRESS_OK.test(p.address)) return reply(srv, '501 5.1.7 Bad sender address syntax')
    for (const prm of p.params) {
      const [k = '', v = ''] = prm.split('=', 2)
      const key = k.toUpperCase()
      if (key === 'SIZE') {
        if (!/^\d+$/.test(v)) return reply(srv, '501 5.5.4 Bad message size syntax')
        if (Number(v) > persona.sizeLimit) return reply(srv, '552 5.3.4 Message size exceeds fixed limit')
      } else if (!['BODY', 'SMTPUTF8', 'RET', 'ENVID', 'AUTH'].includes(key)) {
        return reply(srv, `555 5.5.4 Unsupported option: ${clip(prm, 64)}`)
      }
    }
    envelope = { from: clip(p.address, 512), rcpts: [] }
    session.emit('mail_from', { address: clip(p.address), params: p.params.length ? clip(p.params.join(' ')) : undefined, tls: String(tls), auth_user: authUser })
    srv.writeLine('250 2.1.0 Ok')
  }

  const rcpt = (srv: LineServer, args: string) => {
    if (!envelope) return reply(srv, '503 5.5.1 Error: need MAIL command')
    const p = parsePath(args, 'TO')
    if (!p) return reply(srv, '501 5.5.4 Syntax: RCPT TO:<address>')
    if (p.address === '' || !ADDRESS_OK.test(p.address)) return reply(srv, '501 5.1.3 Bad recipient address syntax')
    const address = clip(p.address, 512)
    const ev = (outcome: string, sev?: boolean) =>
      session.emit('rcpt_to', { address: clip(address), params: p.params.length ? clip(p.params.join(' ')) : undefined, outcome, local: isLocal(persona, address) }, sev ? { severity: Severity.NOTICE } : undefined)
    if (envelope.rcpts.length >= RECIPIENT_LIMIT) {
      ev('too_many', true)
      return reply(srv, '452 4.5.3 Error: too many recipients')
    }
    if (port !== 'smtp' && !env.relay && authUser === undefined) {
      // submission (smtpd_client_restrictions = permit_sasl_authenticated, reject)
      ev('access_denied', true)
      return reply(srv, `554 5.7.1 <unknown[${session.peer.ip}]>: Client host rejected: Access denied`)
    }
    if (!env.relay && authUser === undefined && !isLocal(persona, address)) {
      ev('relay_denied', true)
      return reply(srv, `554 5.7.1 <${address}>: Relay access denied`)
    }
    envelope.rcpts.push(address)
    ev('accepted')
    srv.writeLine('250 2.1.5 Ok')
  }

  const onLine = async (line: Line, srv: LineServer): Promise<void> => {
    const text = line.text
    const m = /^\s*(\S*)\s*(.*)$/.exec(text)
    const cmd = (m?.[1] ?? '').toUpperCase()
    const args = (m?.[2] ?? '').trim()
    switch (cmd) {
      case 'EHLO':
      case 'HELO': {
        if (args === '') return reply(srv, `501 5.5.4 Syntax: ${cmd} hostname`)
        resetTransaction()
        helo = clip(args)
        session.emit('ehlo', { verb: cmd, domain: helo, tls: String(tls) })
        if (cmd === 'HELO') return srv.writeLine(`250 ${persona.hostname}`)
        return srv.write(ehloLines(persona, { tls, auth: authAllowed() && authUser === undefined }))
      }
      case 'STARTTLS': {
        if (args !== '') return reply(srv, '501 5.5.4 Syntax: STARTTLS')
        if (tls) return reply(srv, '554 5.5.1 Error: TLS already active')
        srv.writeLine('220 2.0.0 Ready to start TLS')
        const upgraded = ctx.upgradeTls(stream as Socket, session, { secureContext: env.secure })
        const { discarded } = srv.upgrade(upgraded)
        tls = true
        // RFC 3207 §4.2: the client starts over with EHLO
        helo = undefined
        resetTransaction()
        session.emit('starttls', { discarded })
        return
      }
      case 'AUTH':
        return auth(srv, args)
      case 'MAIL':
        return mail(srv, args)
      case 'RCPT':
        return rcpt(srv, args)
      case 'DATA':
        if (args !== '') return reply(srv, '501 5.5.4 Syntax: DATA')
        return readData(srv)
      case 'BDAT':
        return readChunk(srv, args)
      case 'RSET':
        if (args !== '') return reply(srv, '501 5.5.4 Syntax: RSET')
        resetTransaction()
        return srv.writeLine('250 2.0.0 Ok')
      case 'NOOP':
        return srv.writeLine('250 2.0.0 Ok')
      case 'VRFY': {
        if (args === '') return reply(srv, '501 5.5.4 Syntax: VRFY address')
        const a = args.replace(/^<(.*)>$/, '$1')
        session.emit('vrfy', { address: clip(a) })
        return srv.writeLine(`252 2.0.0 ${clip(a, 512)}`)
      }
      case 'ETRN':
        if (args === '') return reply(srv, '500 5.5.4 Syntax: ETRN domain')
        if (!helo) return reply(srv, '503 5.5.1 Error: send HELO/EHLO first')
        if (envelope) return reply(srv, '503 5.5.1 Error: MAIL transaction in progress')
        return reply(srv, `459 4.3.0 <${clip(args, 255)}>: service unavailable`)
      case 'QUIT':
        srv.writeLine('221 2.0.0 Bye')
        return srv.close('quit')
      case 'CONNECT':
      case 'GET':
      case 'POST':
        // smtpd_forbidden_commands
        session.emit('protocol_error', { error: 'forbidden_command', command: clip(text, 128) })
        srv.writeLine('221 2.7.0 Error: I can break rules, too. Goodbye.')
        return srv.close('forbidden_command')
      default:
        if (unknownEvents++ < MAX_UNKNOWN_EVENTS) session.emit('unknown_command', { command: clip(text, 128) })
        return reply(srv, '502 5.5.2 Error: command not recognized')
    }
  }

  const server = new LineServer(stream, session, {
    maxLineBytes: ctx.limits.maxLineBytes,
    lineEnding: 'either',
    onLine: async (line, srv) => {
      try {
        await onLine(line, srv)
      } catch (e) {
        if (e instanceof StreamReadError && e.code !== 'over_limit') throw e
        if (e instanceof StreamReadError) return reply(srv, '552 5.3.4 Message size exceeds fixed limit')
        throw e
      }
    },
    onOverflow: (srv) => {
      session.emit('protocol_error', { error: 'line_too_long', limit: ctx.limits.maxLineBytes })
      srv.writeLine('500 5.5.0 Error: line too long')
    },
  })
  server.writeLine(persona.greeting)
}

/** smtp_relay: the message was queued; forward it or not, and say why. */
function relayDecision(env: SmtpEnv, session: Session, m: { qid: string; from: string; rcpts: string[]; data: Buffer; truncated: boolean }): void {
  const base = { queue_id: m.qid, rcpt_count: m.rcpts.length, window_s: RELAY_WINDOW_MS / 1000, budget: env.budget?.limit }
  const withheld = (reason: string, extra: Record<string, string | number | undefined> = {}) =>
    session.emit('relay_decision', { ...base, decision: 'withheld', reason, used: env.budget?.used(session.peer.ip), ...extra })
  const fwd = env.forwarder
  if (!fwd || !env.budget) return withheld('no_upstream')
  if (m.truncated) return withheld('truncated', { upstream: fwd.target })
  if (!env.budget.take(session.peer.ip)) return withheld('budget_exhausted', { upstream: fwd.target })
  const to = m.rcpts.slice(0, MAX_FORWARD_RCPTS)
  const from = env.upstreamSender ?? m.from
  const used = env.budget.used(session.peer.ip)
  fwd.forward({ from, to, data: m.data }).then(
    (r) => session.emit('relay_decision', {
      ...base, decision: r.ok ? 'forwarded' : 'withheld', reason: r.ok ? 'within_budget' : 'upstream_error', used,
      upstream: fwd.target, forwarded_rcpts: to, envelope_from: from, upstream_reply: clip(r.reply, 300),
    }, r.ok ? { severity: Severity.WARNING } : undefined),
    (e: unknown) => withheld('upstream_error', { upstream: fwd.target, upstream_reply: String(e).slice(0, 300) }),
  )
}

export function startSmtp(ctx: HoneypotContext, opts: SmtpOptions): Honeypot {
  return {
    async start() {
      const env = await smtpEnv(ctx, opts)
      const lo = { handshakeTimeoutMs: SMTPD_TIMEOUT_MS, handshakeReason: SMTPD_TIMEOUT_REASON, noDelay: true }
      for (const p of opts.ports) {
        if (p === SMTPS_PORT) await ctx.listenTls(p, { secureContext: env.secure }, (s, session) => handleSmtp(env, s, session, 'smtps'), lo)
        else await ctx.listenTcp(p, (s, session) => handleSmtp(env, s, session, p === SUBMISSION_PORT ? 'submission' : 'smtp'), lo)
      }
    },
  }
}

export const create: EmulatorFactory = (ctx) => startSmtp(ctx, { relay: false, ports: [SMTP_PORT, SUBMISSION_PORT] })
