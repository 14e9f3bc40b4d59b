// pop3 emulator: Dovecot's pop3-login and pop3 processes as Debian ships them
// (greeting with an APOP timestamp, CAPA, USER/PASS, APOP, AUTH PLAIN/LOGIN,
// STLS; implicit TLS on 995), then a read-only bait maildrop for the bait
// account (docs/mail.md).
import { createHash } from 'node:crypto'
import type { Socket } from 'node:net'
import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls'
import type { EmulatorFactory, HoneypotContext, Session } from '../../runtime/context.js'
import { LineServer, type Line } from '../shared/line-server.js'
import { deckyCertificate } from '../shared/tls.js'
import { apopChallenge, isBaitLogin, mailPersona, type MailPersona } from '../shared/mail/persona.js'
import {
  AUTH_FAILURE_DELAY_MS, LOGIN_TIMEOUT_MS, LOGIN_TIMEOUT_REASON, MAX_BAD_COMMANDS, emitAttempt, readSasl, sleep,
} from '../shared/mail/auth.js'
import type { MailMessage } from '../shared/mail/mailbox.js'

export const POP3_PORT = 110
export const POP3S_PORT = 995
/** pop3/pop3-capability.h */
const CAPABILITY_REPLY = 'CAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\n'
/** The post-login pop3 process closes after this many bad commands in a row. */
const MAX_BAD_COMMANDS_AUTHED = 20

export interface Pop3Env {
  ctx: HoneypotContext
  persona: MailPersona
  secure: SecureContext
  /** Dovecot's auth connect id: one per login process, stays put. */
  connectUid: number
  /** Failure delay (Dovecot's auth_failure_delay); tests and the bench lower it. */
  failureDelayMs: number
}

export async function pop3Env(ctx: HoneypotContext): Promise<Pop3Env> {
  const persona = mailPersona(ctx)
  const { key, cert } = await deckyCertificate(ctx, { cn: persona.hostname })
  // Dovecot 2.3 on Debian 12: ssl_min_protocol = TLSv1.2, ssl_cipher_list = ALL:!kRSA:!SRP:!kDHd:!DSS:!aNULL:!eNULL:!EXPORT:!DES:!3DES:!MD5:!PSK:!RC4:!ADH:!LOW@STRENGTH
  const secure = createSecureContext({ key, cert, minVersion: 'TLSv1.2', ciphers: 'ALL:!kRSA:!SRP:!kDHd:!DSS:!aNULL:!eNULL:!EXPORT:!DES:!3DES:!MD5:!PSK:!RC4:!ADH:!LOW@STRENGTH' })
  return { ctx, persona, secure, connectUid: ctx.rng.fork('pop3/connect-uid').int(1, 40), failureDelayMs: AUTH_FAILURE_DELAY_MS }
}

/** RFC 1939 §3: a line starting with "." gets another one; the terminator follows. */
export function dotStuff(data: Buffer): Buffer {
  const text = data.toString('latin1')
  let out = text.replace(/(^|\r?\n)\./g, '$1..')
  if (!out.endsWith('\r\n')) out += '\r\n'
  return Buffer.from(`${out}.\r\n`, 'latin1')
}

/** Header, blank line and the first `lines` body lines (TOP). */
function topOf(m: MailMessage, lines: number): Buffer {
  if (lines <= 0) return m.header
  const body = m.body.toString('latin1').split('\r\n')
  return Buffer.concat([m.header, Buffer.from(body.slice(0, lines).join('\r\n'), 'latin1')])
}

/** Dovecot's default pop3_uidl_format %08Xu%08Xv. */
const uidl = (m: MailMessage, v: number) => `${m.uid.toString(16).toUpperCase().padStart(8, '0')}${v.toString(16).toUpperCase().padStart(8, '0')}`

export function handlePop3(env: Pop3Env, stream: Socket | TLSSocket, session: Session, implicitTls: boolean): void {
  const { ctx, persona } = env
  let tls = implicitTls
  let user: string | undefined
  let bad = 0
  let authed: { deleted: Set<number> } | undefined
  const challenge = apopChallenge(persona, env.connectUid)
  const msgs = persona.messages

  const fail = async (srv: LineServer, text = '-ERR [AUTH] Authentication failed.') => {
    await sleep(env.failureDelayMs)
    srv.writeLine(text)
  }
  const succeed = (srv: LineServer, username: string) => {
    authed = { deleted: new Set() }
    session.authenticated()
    session.emit('login', { username, tls: String(tls) })
    srv.writeLine('+OK Logged in.')
  }
  const attempt = async (srv: LineServer, username: string, secret: string | Buffer, mechanism: string, extra?: Record<string, string | undefined>) => {
    const ok = isBaitLogin(persona, username, secret)
    emitAttempt(session, { username, secret, mechanism, outcome: ok ? 'success' : 'failure', extra: { tls: String(tls), ...extra } })
    if (ok) succeed(srv, username)
    else await fail(srv)
  }

  /** Pre-login (pop3-login); false = an unknown command. */
  const preLogin = async (cmd: string, args: string, srv: LineServer): Promise<boolean> => {
    switch (cmd) {
      case 'CAPA':
        srv.write(`+OK\r\n${CAPABILITY_REPLY}${tls ? '' : 'STLS\r\n'}USER\r\nSASL PLAIN LOGIN\r\n.\r\n`)
        return true
      case 'USER':
        user = args
        srv.writeLine('+OK')
        return true
      case 'PASS':
        if (user === undefined) {
          srv.writeLine('-ERR No username given.')
          return true
        }
        await attempt(srv, user, args, 'USER')
        return true
      case 'APOP': {
        const sp = args.lastIndexOf(' ')
        const name = sp > 0 ? args.slice(0, sp) : ''
        const digest = sp > 0 ? args.slice(sp + 1) : ''
        if (!name || !/^[0-9a-fA-F]{32}$/.test(digest)) {
          srv.writeLine('-ERR Invalid parameters.')
          return true
        }
        const d = digest.toLowerCase()
        const ok = (name.toLowerCase() === persona.account.user || name.toLowerCase() === persona.account.address) &&
          createHash('md5').update(challenge + persona.account.password).digest('hex') === d
        emitAttempt(session, {
          username: name, secret: d, mechanism: 'APOP', secretKind: 'apop', outcome: ok ? 'success' : 'failure',
          // hashcat -m 20 md5($salt.$pass): digest:challenge
          extra: { challenge, hashcat: `${d}:${challenge}`, tls: String(tls) },
        })
        if (ok) succeed(srv, name)
        else await fail(srv)
        return true
      }
      case 'AUTH': {
        const [mech = '', ir] = args.split(' ').filter(Boolean)
        if (mech === '') {
          // Dovecot answers a bare AUTH with its mechanism list (old Outlook)
          srv.write('+OK\r\nPLAIN\r\nLOGIN\r\n.\r\n')
          return true
        }
        const r = await readSasl(srv, mech, ir)
        if (r.ok) return attempt(srv, r.user, r.pass, r.mechanism, { authzid: r.authzid }).then(() => true)
        if (r.reason === 'unsupported') srv.writeLine('-ERR Unsupported authentication mechanism.')
        else if (r.reason === 'aborted') srv.writeLine('-ERR Authentication aborted by client.')
        else await fail(srv, '-ERR Invalid base64 data in continued response')
        return true
      }
      case 'STLS': {
        if (tls) {
          srv.writeLine('-ERR TLS is already active.')
          return true
        }
        srv.writeLine('+OK Begin TLS negotiation now.')
        const upgraded = ctx.upgradeTls(stream as Socket, session, { secureContext: env.secure })
        const { discarded } = srv.upgrade(upgraded)
        tls = true
        session.emit('starttls', { discarded })
        return true
      }
      case 'QUIT':
        srv.writeLine('+OK Logging out')
        srv.close('quit')
        return true
      default:
        srv.writeLine('-ERR Unknown command.')
        return false
    }
  }

  const msgArg = (srv: LineServer, arg: string | undefined): MailMessage | undefined => {
    const a = arg ?? ''
    if (!/^\d/.test(a)) {
      srv.writeLine(`-ERR Invalid message number: ${a}`)
      return undefined
    }
    if (!/^\d+$/.test(a)) {
      srv.writeLine(`-ERR Noise after message number: ${a.replace(/^\d+/, '')}`)
      return undefined
    }
    const n = Number(a)
    const m = msgs[n - 1]
    if (!m || n < 1 || n > 0xffffffff) {
      srv.writeLine(`-ERR There's no message ${n > 0xffffffff ? a : n}.`)
      return undefined
    }
    if (authed?.deleted.has(m.uid)) {
      srv.writeLine('-ERR Message is deleted.')
      return undefined
    }
    return m
  }

  /** Post-login (pop3); false = an unknown command. */
  const transaction = (cmd: string, args: string, srv: LineServer): boolean => {
    const a = authed as { deleted: Set<number> }
    const live = msgs.map((m, i) => [i + 1, m] as const).filter(([, m]) => !a.deleted.has(m.uid))
    const parts = args.split(' ').filter(Boolean)
    switch (cmd) {
      case 'CAPA':
        srv.write(`+OK\r\n${CAPABILITY_REPLY}.\r\n`)
        return true
      case 'STAT':
        srv.writeLine(`+OK ${live.length} ${live.reduce((s, [, m]) => s + m.raw.length, 0)}`)
        return true
      case 'LIST':
      case 'UIDL': {
        const line = (n: number, m: MailMessage) => `${n} ${cmd === 'LIST' ? m.raw.length : uidl(m, persona.uidValidity)}`
        if (parts.length > 0) {
          const m = msgArg(srv, parts[0])
          if (m) srv.writeLine(`+OK ${line(msgs.indexOf(m) + 1, m)}`)
          return true
        }
        const head = cmd === 'LIST' ? `+OK ${live.length} messages:` : '+OK'
        srv.write(`${head}\r\n${live.map(([n, m]) => `${line(n, m)}\r\n`).join('')}.\r\n`)
        return true
      }
      case 'RETR':
      case 'TOP': {
        const m = msgArg(srv, parts[0])
        if (!m) return true
        let data = m.raw
        if (cmd === 'TOP') {
          const l = parts[1] ?? ''
          if (!/^\d+$/.test(l)) {
            srv.writeLine(`-ERR Invalid size: ${l}`)
            return true
          }
          data = topOf(m, Math.min(Number(l), 1_000_000))
        }
        srv.write(Buffer.concat([Buffer.from(cmd === 'RETR' ? `+OK ${m.raw.length} octets\r\n` : '+OK\r\n'), dotStuff(data)]))
        session.emit('message_read', { via: cmd, uid: m.uid, subject: m.subject, mailbox: 'INBOX' })
        return true
      }
      case 'DELE': {
        const m = msgArg(srv, parts[0])
        if (!m) return true
        a.deleted.add(m.uid)
        session.emit('message_deleted', { uid: m.uid, subject: m.subject })
        srv.writeLine('+OK Marked to be deleted.')
        return true
      }
      case 'RSET':
        a.deleted.clear()
        srv.writeLine('+OK')
        return true
      case 'NOOP':
        srv.writeLine('+OK')
        return true
      case 'QUIT':
        srv.writeLine(a.deleted.size > 0 ? '+OK Logging out, messages deleted.' : '+OK Logging out.')
        srv.close('quit')
        return true
      default:
        srv.writeLine(`-ERR Unknown command: ${cmd}`)
        return false
    }
  }

  const onLine = async (line: Line, srv: LineServer): Promise<void> => {
    const text = line.text
    const sp = text.indexOf(' ')
    const cmd = (sp < 0 ? text : text.slice(0, sp)).toUpperCase()
    const args = sp < 0 ? '' : text.slice(sp + 1)
    const ok = authed ? transaction(cmd, args, srv) : await preLogin(cmd, args, srv)
    if (ok) {
      bad = 0
      return
    }
    if (!authed && ++bad >= MAX_BAD_COMMANDS) {
      srv.writeLine('-ERR Too many invalid bad commands.')
      srv.close('too_many_bad_commands')
    } else if (authed && ++bad >= MAX_BAD_COMMANDS_AUTHED) {
      srv.writeLine('-ERR Too many bad commands.')
      srv.close('too_many_bad_commands')
    }
  }

  const server = new LineServer(stream, session, {
    maxLineBytes: ctx.limits.maxLineBytes,
    onLine,
    onOverflow: (srv) => srv.writeLine('-ERR Input buffer full, aborting'),
  })
  server.writeLine(`+OK ${persona.greeting} ${challenge}`)
}

export function startPop3(ctx: HoneypotContext, tune: (env: Pop3Env) => void = () => {}) {
  return {
    async start() {
      const env = await pop3Env(ctx)
      tune(env)
      const opts = { handshakeTimeoutMs: LOGIN_TIMEOUT_MS, handshakeReason: LOGIN_TIMEOUT_REASON }
      await ctx.listenTcp(POP3_PORT, (socket, session) => handlePop3(env, socket, session, false), opts)
      await ctx.listenTls(POP3S_PORT, { secureContext: env.secure }, (tls, session) => handlePop3(env, tls, session, true), opts)
    },
  }
}

export const create: EmulatorFactory = (ctx) => startPop3(ctx)
