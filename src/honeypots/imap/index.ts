// imap emulator: Dovecot's imap-login and imap processes as Debian ships them
// (greeting with [CAPABILITY …], LOGIN, AUTHENTICATE PLAIN/LOGIN with SASL-IR,
// STARTTLS, ID; implicit TLS on 993), then the bait mailbox for the bait
// account: SELECT/EXAMINE/LIST/STATUS/FETCH/UID FETCH/SEARCH/STORE/IDLE.
import type { Socket } from 'node:net'
import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls'
import type { EmulatorFactory, HoneypotContext, Session } from '../../runtime/context.js'
import { LineServer, StreamReadError, type Line } from '../shared/line-server.js'
import { deckyCertificate } from '../shared/tls.js'
import { isBaitLogin, mailPersona, type MailPersona } from '../shared/mail/persona.js'
import {
  AUTH_FAILURE_DELAY_MS, LOGIN_TIMEOUT_MS, LOGIN_TIMEOUT_REASON, MAX_BAD_COMMANDS, emitAttempt, readSasl, sleep,
} from '../shared/mail/auth.js'
import { imapDate, type Address, type MailMessage } from '../shared/mail/mailbox.js'
import { ParseError, q, readCommand, seqSet, str, tokenize, type Tok } from './parser.js'

export const IMAP_PORT = 143
export const IMAPS_PORT = 993
const BASE_CAPS = 'IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+'
/** Post-login capabilities of Dovecot 2.3, without the extensions this mailbox does not implement (CONDSTORE, QRESYNC, ESEARCH, LIST-STATUS, BINARY, NOTIFY …). */
const POST_CAPS = 'IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 WITHIN MOVE SNIPPET=FUZZY PREVIEW=FUZZY STATUS=SIZE SAVEDATE LITERAL+ SPECIAL-USE'
const FLAGS = '(\\Answered \\Flagged \\Deleted \\Seen \\Draft)'
/** Pre-login (imap-login) literals and commands stay small; logged-in ones may carry a message. */
const PRE_LIMITS = { maxLiteral: 4096, maxCommand: 16 * 1024, maxLiterals: 4 }
const POST_LIMITS = { maxLiteral: 256 * 1024, maxCommand: 512 * 1024, maxLiterals: 16 }
const MAX_BAD_COMMANDS_AUTHED = 20

const MAILBOXES: readonly (readonly [name: string, attrs: string])[] = [
  ['INBOX', '\\HasNoChildren'],
  ['Drafts', '\\HasNoChildren \\Drafts'],
  ['Sent', '\\HasNoChildren \\Sent'],
  ['Junk', '\\HasNoChildren \\Junk'],
  ['Trash', '\\HasNoChildren \\Trash'],
]

export interface ImapEnv {
  ctx: HoneypotContext
  persona: MailPersona
  secure: SecureContext
  failureDelayMs: number
}

export async function imapEnv(ctx: HoneypotContext): Promise<ImapEnv> {
  const persona = mailPersona(ctx)
  const { key, cert } = await deckyCertificate(ctx, { cn: persona.hostname })
  const secure = createSecureContext({ key, cert, minVersion: 'TLSv1.2', ciphers: 'ALL:!kRSA:!SRP:!kDHd:!DSS:!aNULL:!eNULL:!EXPORT:!DES:!3DES:!MD5:!PSK:!RC4:!ADH:!LOW@STRENGTH' })
  return { ctx, persona, secure, failureDelayMs: AUTH_FAILURE_DELAY_MS }
}

const preCaps = (tls: boolean) => `${BASE_CAPS}${tls ? '' : ' STARTTLS'} AUTH=PLAIN AUTH=LOGIN`
/** Dovecot 2.3 appends its timing to many completions. */
const took = () => `(0.00${Math.floor(Math.random() * 3)} + 0.000 secs).`

const addr = (a: Address) => `((${q(a.name)} NIL ${q(a.mailbox)} ${q(a.host)}))`
function envelope(m: MailMessage): string {
  const date = m.header.toString('latin1').match(/^Date: (.*)\r$/m)?.[1]
  return `(${q(date)} ${q(m.subject)} ${addr(m.from)} ${addr(m.from)} ${addr(m.from)} ${addr(m.to)} NIL NIL NIL ${q(m.messageId)})`
}
function bodyStructure(m: MailMessage, ext: boolean): string {
  const lines = m.body.toString('latin1').split('\r\n').length - 1
  return `("text" "plain" ("charset" "UTF-8") NIL NIL "8bit" ${m.body.length} ${lines}${ext ? ' NIL NIL NIL NIL' : ''})`
}

/** Header lines (with their continuations) whose names are (or, with not, are not) in `names`. */
function headerFields(m: MailMessage, names: string[], not: boolean): Buffer {
  const want = new Set(names.map((n) => n.toUpperCase()))
  const lines = m.header.toString('latin1').split('\r\n').filter((l) => l !== '')
  let out = ''
  for (const l of lines) {
    const name = l.slice(0, l.indexOf(':')).toUpperCase()
    if (want.has(name) !== not) out += `${l}\r\n`
  }
  return Buffer.from(`${out}\r\n`, 'latin1')
}

interface Selected {
  name: string
  readOnly: boolean
  msgs: MailMessage[]
}

export function handleImap(env: ImapEnv, stream: Socket | TLSSocket, session: Session, implicitTls: boolean): void {
  const { ctx, persona } = env
  let tls = implicitTls
  let authed = false
  let bad = 0
  let selected: Selected | undefined
  /** Flags as this session changed them (per uid). */
  const flags = new Map<number, Set<string>>(persona.messages.map((m) => [m.uid, new Set(m.flags)]))

  const loggedIn = (srv: LineServer, tag: string, username: string) => {
    authed = true
    session.authenticated()
    session.emit('login', { username, tls: String(tls) })
    srv.writeLine(`${tag} OK [CAPABILITY ${POST_CAPS}] Logged in`)
  }
  const attempt = async (srv: LineServer, tag: string, username: string, secret: string | Buffer, mechanism: string, authzid?: string) => {
    const ok = isBaitLogin(persona, username, secret)
    emitAttempt(session, { username, secret, mechanism, outcome: ok ? 'success' : 'failure', extra: { tls: String(tls), authzid } })
    if (ok) return loggedIn(srv, tag, username)
    await sleep(env.failureDelayMs)
    srv.writeLine(`${tag} NO [AUTHENTICATIONFAILED] Authentication failed.`)
  }

  const id = (srv: LineServer, tag: string, args: Tok[]) => {
    const l = args[0]
    if (l?.k === 'list') {
      const pairs: [string, string][] = []
      for (let i = 0; i + 1 < l.v.length && pairs.length < 30; i += 2) pairs.push([(str(l.v[i]) ?? '').slice(0, 64), (str(l.v[i + 1]) ?? '').slice(0, 256)])
      const get = (k: string) => pairs.find(([n]) => n.toLowerCase() === k)?.[1]
      const name = get('name')
      session.emit('client_id', { id: JSON.stringify(pairs), client_version: name ? `${name}${get('version') ? ` ${get('version')}` : ''}` : undefined })
    }
    srv.writeLine('* ID ("name" "Dovecot")')
    srv.writeLine(`${tag} OK ID completed.`)
  }

  const starttls = (srv: LineServer, tag: string) => {
    if (tls) return srv.writeLine(`${tag} BAD TLS is already active.`)
    srv.writeLine(`${tag} OK Begin TLS negotiation now.`)
    const upgraded = ctx.upgradeTls(stream as Socket, session, { secureContext: env.secure })
    const { discarded } = srv.upgrade(upgraded)
    tls = true
    session.emit('starttls', { discarded })
  }

  /** imap-login; false = an unknown command. */
  const preLogin = async (srv: LineServer, c: { tag: string; name: string; args: Tok[] }): Promise<boolean> => {
    const { tag, name, args } = c
    switch (name) {
      case 'CAPABILITY':
        srv.writeLine(`* CAPABILITY ${preCaps(tls)}`)
        srv.writeLine(`${tag} OK Pre-login capabilities listed, post-login capabilities have more.`)
        return true
      case 'NOOP':
        srv.writeLine(`${tag} OK NOOP completed.`)
        return true
      case 'LOGOUT':
        srv.writeLine('* BYE Logging out')
        srv.writeLine(`${tag} OK Logout completed.`)
        srv.close('logout')
        return true
      case 'ID':
        id(srv, tag, args)
        return true
      case 'STARTTLS':
        starttls(srv, tag)
        return true
      case 'LOGIN': {
        const u = str(args[0])
        const p = str(args[1])
        if (u === undefined || p === undefined || args.length !== 2) {
          srv.writeLine(`${tag} BAD Invalid arguments.`)
          return true
        }
        await attempt(srv, tag, u, p, 'LOGIN')
        return true
      }
      case 'AUTHENTICATE': {
        const mech = str(args[0])
        if (!mech) {
          srv.writeLine(`${tag} BAD Missing SASL mechanism.`)
          return true
        }
        const r = await readSasl(srv, mech, str(args[1]))
        if (r.ok) await attempt(srv, tag, r.user, r.pass, `AUTHENTICATE ${r.mechanism}`, r.authzid)
        else if (r.reason === 'unsupported') srv.writeLine(`${tag} NO Unsupported authentication mechanism.`)
        else if (r.reason === 'aborted') srv.writeLine(`${tag} BAD Authentication aborted by client.`)
        else srv.writeLine(`${tag} BAD Invalid base64 data in continued response`)
        return true
      }
      default:
        srv.writeLine(`${tag} BAD Error in IMAP command received by server.`)
        return false
    }
  }

  const select = (srv: LineServer, tag: string, name: string, args: Tok[]) => {
    const box = str(args[0]) ?? ''
    const found = MAILBOXES.find(([n]) => n.toLowerCase() === box.toLowerCase() && (n === 'INBOX' || n === box))
    if (!found) {
      selected = undefined
      return srv.writeLine(`${tag} NO Mailbox doesn't exist: ${box.slice(0, 200)}`)
    }
    const readOnly = name === 'EXAMINE'
    const msgs = found[0] === 'INBOX' ? persona.messages : []
    selected = { name: found[0], readOnly, msgs }
    session.emit('mailbox_select', { mailbox: found[0], readonly: String(readOnly), messages: msgs.length })
    const unseen = msgs.findIndex((m) => !flags.get(m.uid)?.has('\\Seen'))
    srv.writeLine(`* FLAGS ${FLAGS}`)
    srv.writeLine(readOnly ? '* OK [PERMANENTFLAGS ()] Read-only mailbox.' : `* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.`)
    srv.writeLine(`* ${msgs.length} EXISTS`)
    srv.writeLine('* 0 RECENT')
    if (unseen >= 0) srv.writeLine(`* OK [UNSEEN ${unseen + 1}] First unseen.`)
    srv.writeLine(`* OK [UIDVALIDITY ${persona.uidValidity}] UIDs valid`)
    srv.writeLine(`* OK [UIDNEXT ${(msgs[msgs.length - 1]?.uid ?? 0) + 1}] Predicted next UID`)
    srv.writeLine(`${tag} OK [${readOnly ? 'READ-ONLY' : 'READ-WRITE'}] ${readOnly ? 'Examine' : 'Select'} completed ${took()}`)
  }

  const list = (srv: LineServer, tag: string, name: string, args: Tok[]) => {
    // LIST [(selection)] reference pattern [RETURN (...)]: the two strings after any selection list
    const plain = args.filter((a) => a.k !== 'list')
    const pattern = str(plain[1]) ?? ''
    const verb = name === 'LSUB' ? 'LSUB' : 'LIST'
    if (pattern === '') {
      srv.writeLine(`* ${verb} (\\Noselect) "/" ""`)
    } else {
      const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/%/g, '[^/]*')}$`, 'i')
      for (const [n, attrs] of MAILBOXES) if (re.test(n)) srv.writeLine(`* ${verb} (${attrs}) "/" ${n}`)
    }
    srv.writeLine(`${tag} OK ${verb === 'LSUB' ? 'Lsub' : 'List'} completed ${took()}`)
  }

  const status = (srv: LineServer, tag: string, args: Tok[]) => {
    const box = str(args[0]) ?? ''
    const found = MAILBOXES.find(([n]) => n.toLowerCase() === box.toLowerCase())
    const items = args[1]?.k === 'list' ? args[1].v.map((t) => (str(t) ?? '').toUpperCase()) : []
    if (!found) return srv.writeLine(`${tag} NO Mailbox doesn't exist: ${box.slice(0, 200)}`)
    const msgs = found[0] === 'INBOX' ? persona.messages : []
    const vals: Record<string, number> = {
      MESSAGES: msgs.length,
      RECENT: 0,
      UIDNEXT: (msgs[msgs.length - 1]?.uid ?? 0) + 1,
      UIDVALIDITY: persona.uidValidity,
      UNSEEN: msgs.filter((m) => !flags.get(m.uid)?.has('\\Seen')).length,
      SIZE: msgs.reduce((s, m) => s + m.raw.length, 0),
    }
    const out = items.filter((i) => i in vals).map((i) => `${i} ${vals[i]}`)
    srv.writeLine(`* STATUS ${found[0]} (${out.join(' ')})`)
    srv.writeLine(`${tag} OK Status completed ${took()}`)
  }

  /** One FETCH response line for a message. */
  const fetchOne = (m: MailMessage, seq: number, items: string[], byUid: boolean, readOnly: boolean): Buffer => {
    const out: (string | Buffer)[] = []
    const f = flags.get(m.uid) as Set<string>
    let setSeen = false
    const want = byUid && !items.includes('UID') ? ['UID', ...items] : items
    for (const item of want) {
      const sec = /^(BODY(?:\.PEEK)?|BINARY(?:\.PEEK)?)\[([^\]]*)\](?:<(\d+)\.(\d+)>)?$/.exec(item)
      if (sec) {
        const peek = (sec[1] as string).endsWith('.PEEK')
        const section = (sec[2] as string).toUpperCase()
        let data: Buffer
        if (section === '' ) data = m.raw
        else if (section === 'HEADER') data = m.header
        else if (section === 'TEXT' || section === '1') data = m.body
        else if (section === 'MIME' || section === '1.MIME') data = Buffer.from('Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n')
        else {
          const hf = /^HEADER\.FIELDS(\.NOT)? \((.*)\)$/.exec(section)
          data = hf ? headerFields(m, (hf[2] as string).split(' ').filter(Boolean), hf[1] !== undefined) : Buffer.alloc(0)
        }
        let label = `BODY[${sec[2]}]`
        if (sec[3] !== undefined) {
          const start = Number(sec[3])
          data = data.subarray(start, start + Number(sec[4]))
          label += `<${start}>`
        }
        out.push(`${label} {${data.length}}\r\n`, data)
        if (!peek && !readOnly && !f.has('\\Seen')) setSeen = true
        if (section !== 'HEADER' && !section.startsWith('HEADER.')) session.emit('message_read', { via: 'FETCH', uid: m.uid, subject: m.subject, mailbox: 'INBOX', section })
        continue
      }
      switch (item) {
        case 'UID': out.push(`UID ${m.uid}`); break
        case 'FLAGS': out.push(`FLAGS (${[...f].join(' ')})`); break
        case 'INTERNALDATE': out.push(`INTERNALDATE "${imapDate(m.date)}"`); break
        case 'RFC822.SIZE': out.push(`RFC822.SIZE ${m.raw.length}`); break
        case 'ENVELOPE': out.push(`ENVELOPE ${envelope(m)}`); break
        case 'BODYSTRUCTURE': out.push(`BODYSTRUCTURE ${bodyStructure(m, true)}`); break
        case 'BODY': out.push(`BODY ${bodyStructure(m, false)}`); break
        case 'RFC822':
          out.push(`RFC822 {${m.raw.length}}\r\n`, m.raw)
          if (!readOnly) setSeen = true
          session.emit('message_read', { via: 'FETCH', uid: m.uid, subject: m.subject, mailbox: 'INBOX', section: 'RFC822' })
          break
        case 'RFC822.HEADER': out.push(`RFC822.HEADER {${m.header.length}}\r\n`, m.header); break
        case 'RFC822.TEXT': out.push(`RFC822.TEXT {${m.body.length}}\r\n`, m.body); break
        default: break
      }
    }
    if (setSeen && !f.has('\\Seen')) {
      f.add('\\Seen')
      if (!want.includes('FLAGS')) out.push(`FLAGS (${[...f].join(' ')})`)
    }
    const parts: Buffer[] = [Buffer.from(`* ${seq} FETCH (`)]
    out.forEach((p, i) => {
      const prevLiteral = i > 0 && Buffer.isBuffer(out[i - 1])
      if (i > 0 && (typeof p === 'string') && (prevLiteral || !(out[i - 1] as string).endsWith('\r\n'))) parts.push(Buffer.from(' '))
      parts.push(typeof p === 'string' ? Buffer.from(p, 'latin1') : p)
    })
    parts.push(Buffer.from(')\r\n'))
    return Buffer.concat(parts)
  }

  const fetchItems = (t: Tok | undefined): string[] | undefined => {
    if (!t) return undefined
    const raw = t.k === 'list' ? t.v.map((x) => (str(x) ?? '').toUpperCase()) : [(str(t) ?? '').toUpperCase()]
    const out: string[] = []
    for (const r of raw) {
      if (r === 'ALL') out.push('FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE')
      else if (r === 'FAST') out.push('FLAGS', 'INTERNALDATE', 'RFC822.SIZE')
      else if (r === 'FULL') out.push('FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY')
      else out.push(r)
    }
    return out
  }

  const matching = (sel: Selected, set: string, byUid: boolean): [number, MailMessage][] | undefined => {
    const max = byUid ? (sel.msgs[sel.msgs.length - 1]?.uid ?? 0) : sel.msgs.length
    if (max === 0) return /^[\d*:,]+$/.test(set) ? [] : undefined
    const test = seqSet(set, max)
    if (!test) return undefined
    return sel.msgs.map((m, i) => [i + 1, m] as [number, MailMessage]).filter(([n, m]) => test(byUid ? m.uid : n))
  }

  /** imap (post-login); false = an unknown command. */
  const transaction = async (srv: LineServer, c: { tag: string; name: string; args: Tok[] }): Promise<boolean> => {
    let { name, args } = c
    const tag = c.tag
    let byUid = false
    if (name === 'UID') {
      byUid = true
      name = (str(args[0]) ?? '').toUpperCase()
      args = args.slice(1)
      if (!['FETCH', 'SEARCH', 'STORE', 'COPY', 'MOVE', 'EXPUNGE'].includes(name)) {
        srv.writeLine(`${tag} BAD Error in IMAP command UID: Unknown UID command ${name.slice(0, 40)}`)
        return false
      }
    }
    const needSelected = ['FETCH', 'SEARCH', 'STORE', 'COPY', 'MOVE', 'EXPUNGE', 'CLOSE', 'UNSELECT', 'CHECK'].includes(name)
    if (needSelected && !selected) {
      srv.writeLine(`${tag} BAD No mailbox selected.`)
      return true
    }
    switch (name) {
      case 'CAPABILITY':
        srv.writeLine(`* CAPABILITY ${POST_CAPS}`)
        srv.writeLine(`${tag} OK Capability completed.`)
        return true
      case 'NOOP':
      case 'CHECK':
        srv.writeLine(`${tag} OK ${name === 'NOOP' ? 'NOOP' : 'Check'} completed ${took()}`)
        return true
      case 'LOGOUT':
        srv.writeLine('* BYE Logging out')
        srv.writeLine(`${tag} OK Logout completed ${took()}`)
        srv.close('logout')
        return true
      case 'ID':
        id(srv, tag, args)
        return true
      case 'ENABLE':
        srv.writeLine('* ENABLED')
        srv.writeLine(`${tag} OK Enabled.`)
        return true
      case 'NAMESPACE':
        srv.writeLine('* NAMESPACE (("" "/")) NIL NIL')
        srv.writeLine(`${tag} OK Namespace completed ${took()}`)
        return true
      case 'LIST':
      case 'LSUB':
        list(srv, tag, name, args)
        return true
      case 'STATUS':
        status(srv, tag, args)
        return true
      case 'SELECT':
      case 'EXAMINE':
        select(srv, tag, name, args)
        return true
      case 'CLOSE':
      case 'UNSELECT':
        selected = undefined
        srv.writeLine(`${tag} OK ${name === 'CLOSE' ? 'Close' : 'Unselect'} completed ${took()}`)
        return true
      case 'FETCH': {
        const sel = selected as Selected
        const set = matching(sel, str(args[0]) ?? '', byUid)
        const items = fetchItems(args[1])
        if (!set || !items) {
          srv.writeLine(`${tag} BAD Error in IMAP command ${byUid ? 'UID ' : ''}FETCH: Invalid arguments.`)
          return true
        }
        for (const [n, m] of set) srv.write(fetchOne(m, n, items, byUid, sel.readOnly))
        srv.writeLine(`${tag} OK ${byUid ? 'UID ' : ''}Fetch completed ${took()}`)
        return true
      }
      case 'SEARCH': {
        const sel = selected as Selected
        const crit = args.map((a) => (str(a) ?? '').toUpperCase())
        let hits = sel.msgs.map((m, i) => [i + 1, m] as [number, MailMessage])
        if (crit.includes('UNSEEN')) hits = hits.filter(([, m]) => !flags.get(m.uid)?.has('\\Seen'))
        if (crit.includes('SEEN')) hits = hits.filter(([, m]) => flags.get(m.uid)?.has('\\Seen'))
        const ui = crit.indexOf('UID')
        if (ui >= 0) hits = matching(sel, crit[ui + 1] ?? '', true)?.filter(([n]) => hits.some(([h]) => h === n)) ?? []
        srv.writeLine(`* SEARCH${hits.map(([n, m]) => ` ${byUid ? m.uid : n}`).join('')}`)
        srv.writeLine(`${tag} OK ${byUid ? 'UID ' : ''}Search completed ${took()}`)
        return true
      }
      case 'STORE': {
        const sel = selected as Selected
        const set = matching(sel, str(args[0]) ?? '', byUid)
        const op = (str(args[1]) ?? '').toUpperCase()
        const fl = args[2]?.k === 'list' ? args[2].v.map((t) => str(t) ?? '') : args.slice(2).map((t) => str(t) ?? '')
        if (!set || !/^[+-]?FLAGS(\.SILENT)?$/.test(op)) {
          srv.writeLine(`${tag} BAD Error in IMAP command ${byUid ? 'UID ' : ''}STORE: Invalid arguments.`)
          return true
        }
        if (sel.readOnly) {
          srv.writeLine(`${tag} NO Mailbox is read-only.`)
          return true
        }
        for (const [n, m] of set) {
          const f = flags.get(m.uid) as Set<string>
          if (op.startsWith('+')) fl.forEach((x) => f.add(x))
          else if (op.startsWith('-')) fl.forEach((x) => f.delete(x))
          else {
            f.clear()
            fl.forEach((x) => f.add(x))
          }
          if (!op.endsWith('.SILENT')) srv.writeLine(`* ${n} FETCH (${byUid ? `UID ${m.uid} ` : ''}FLAGS (${[...f].join(' ')}))`)
        }
        srv.writeLine(`${tag} OK ${byUid ? 'UID ' : ''}Store completed ${took()}`)
        return true
      }
      case 'EXPUNGE':
        srv.writeLine(`${tag} OK Expunge completed ${took()}`)
        return true
      case 'IDLE': {
        srv.writeLine('+ idling')
        const done = await srv.readLine()
        if (done.text.trim().toUpperCase() === 'DONE') srv.writeLine(`${tag} OK Idle completed ${took()}`)
        else srv.writeLine(`${tag} BAD Expected DONE.`)
        return true
      }
      case 'CREATE':
      case 'DELETE':
      case 'RENAME':
      case 'APPEND':
      case 'COPY':
      case 'MOVE':
        srv.writeLine(`${tag} NO [NOPERM] Permission denied`)
        return true
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE':
        srv.writeLine(`${tag} OK ${name === 'SUBSCRIBE' ? 'Subscribe' : 'Unsubscribe'} completed ${took()}`)
        return true
      case 'LOGIN':
      case 'AUTHENTICATE':
        srv.writeLine(`${tag} BAD Error in IMAP command ${name}: Already authenticated.`)
        return true
      case 'STARTTLS':
        srv.writeLine(`${tag} BAD Error in IMAP command STARTTLS: TLS is already active.`)
        return true
      default:
        srv.writeLine(`${tag} BAD Error in IMAP command ${name.slice(0, 40)}: Unknown command.`)
        return false
    }
  }

  const onLine = async (line: Line, srv: LineServer): Promise<void> => {
    const r = await readCommand(line, srv, authed ? POST_LIMITS : PRE_LIMITS)
    if (!r.ok) {
      session.emit('protocol_error', { error: 'literal_too_large', size: r.size, non_sync: String(r.nonSync) })
      if (r.nonSync) {
        // the client sends the bytes anyway: nothing after this can be parsed
        srv.writeLine('* BYE Literal too large.')
        return srv.close('literal_too_large')
      }
      srv.writeLine(`${validTag(r.tag) ? r.tag : '*'} NO [TOOBIG] Literal too large.`)
      return
    }
    let toks: Tok[]
    try {
      toks = tokenize(r.parts)
    } catch (e) {
      if (!(e instanceof ParseError)) throw e
      toks = []
    }
    const tag = str(toks[0]) ?? ''
    const name = (str(toks[1]) ?? '').toUpperCase()
    let ok: boolean
    if (!validTag(tag) || toks[0]?.k !== 'atom') {
      srv.writeLine('* BAD Error in IMAP command received by server.')
      ok = false
    } else if (name === '' || toks[1]?.k !== 'atom') {
      srv.writeLine(`${tag} BAD Error in IMAP command received by server.`)
      ok = false
    } else {
      const c = { tag, name, args: toks.slice(2) }
      ok = authed ? await transaction(srv, c) : await preLogin(srv, c)
    }
    if (ok) {
      bad = 0
      return
    }
    if (++bad >= (authed ? MAX_BAD_COMMANDS_AUTHED : MAX_BAD_COMMANDS)) {
      srv.writeLine(authed ? '* BYE Too many invalid IMAP commands.' : '* BYE Too many invalid IMAP commands.')
      srv.close('too_many_bad_commands')
    }
  }

  const server = new LineServer(stream, session, {
    maxLineBytes: ctx.limits.maxLineBytes,
    onLine: (line, srv) => onLine(line, srv).catch((e: unknown) => {
      if (e instanceof StreamReadError && e.code === 'over_limit') {
        srv.writeLine('* BYE Literal too large.')
        return srv.close('literal_too_large')
      }
      throw e
    }),
    onOverflow: (srv) => srv.writeLine('* BYE Input buffer full, aborting'),
  })
  server.writeLine(`* OK [CAPABILITY ${preCaps(tls)}] ${persona.greeting}`)
}

/** Dovecot refuses (and does not echo) a tag with atom-specials, so an HTTP request gets no reflected tag. */
function validTag(tag: string): boolean {
  return tag.length > 0 && tag.length <= 100 && !/[\s(){%*"\\+\]\x00-\x1f\x7f]/.test(tag)
}

export function startImap(ctx: HoneypotContext, tune: (env: ImapEnv) => void = () => {}) {
  return {
    async start() {
      const env = await imapEnv(ctx)
      tune(env)
      const opts = { handshakeTimeoutMs: LOGIN_TIMEOUT_MS, handshakeReason: LOGIN_TIMEOUT_REASON }
      await ctx.listenTcp(IMAP_PORT, (socket, session) => handleImap(env, socket, session, false), opts)
      await ctx.listenTls(IMAPS_PORT, { secureContext: env.secure }, (tls, session) => handleImap(env, tls, session, true), opts)
    },
  }
}

export const create: EmulatorFactory = (ctx) => startImap(ctx)
