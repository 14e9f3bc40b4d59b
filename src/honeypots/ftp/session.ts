// One FTP control connection (RFC 959, 2228 AUTH TLS, 2389 FEAT, 2428
// EPRT/EPSV, 3659 SIZE/MDTM), in the order and wording of the persona's
// daemon: greeting, USER/PASS with the failed-login delay (timers, never
// blocking), the bait tree, passive and active data connections (active only
// to the client's own address: anything else is vsftpd's `500 Illegal PORT
// command.` and an `ftp_bounce_attempt`), uploads quarantined with caps.
import { connect, isIPv4, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { Severity, encodeSecret } from '../../events/event.js'
import type { HoneypotContext, Session, TlsServerOptions } from '../../runtime/context.js'
import { processMemoryBudget } from '../../runtime/memory-budget.js'
import { LineServer, type Line } from '../shared/line-server.js'
import { listLine, lookup, mdtm, resolvePath, type FtpNode } from './bait.js'
import type { PassivePool, PassiveSlot } from './passive.js'
import type { FtpPersona } from './persona.js'

export interface FtpRuntime {
  ctx: HoneypotContext
  persona: FtpPersona
  tree: FtpNode
  pool: PassivePool
  /** Present when AUTH TLS is offered (persona key `ssl`). */
  tls: TlsServerOptions | undefined
  anonymous: boolean
  anonUpload: boolean
  account: { user: string; password: string } | undefined
}

export const FTP_LIMITS = Object.freeze({
  /** vsftpd accept_timeout / connect_timeout. */
  dataConnectMs: 60_000,
  /** vsftpd idle_session_timeout (the runtime's idle limit may be shorter). */
  idleMs: 300_000,
  /** Pre-login deadline (handshakeTimeoutMs). */
  loginGraceMs: 60_000,
  /** Unknown or refused commands in a row before the connection is dropped (garbage floods). */
  maxBadCommands: 24,
  /** Events for commands per connection; the rest are counted only. */
  maxCommandEvents: 256,
  /** Uploaded files a connection keeps visible in listings (and retrievable when small). */
  maxKeptUploads: 16,
  maxKeptUploadBytes: 1024 * 1024,
})

type DataPlan = { kind: 'pasv'; slot: PassiveSlot } | { kind: 'port'; ip: string; port: number }

interface Login {
  name: string
  anonymous: boolean
}

const ANON_NAMES = new Set(['ANONYMOUS', 'FTP'])
const WRITE_VERBS = new Set(['DELE', 'MKD', 'XMKD', 'RMD', 'XRMD', 'RNFR', 'RNTO'])

function localIpv4(socket: Socket, fallback: string): string {
  const raw = socket.localAddress ?? ''
  const ip = raw.startsWith('::ffff:') ? raw.slice(7) : raw
  return isIPv4(ip) ? ip : fallback
}

export function handleControl(rt: FtpRuntime, socket: Socket, session: Session): void {
  const { ctx, persona: P } = rt
  const localIp = localIpv4(socket, ctx.decky.ip)
  let pendingUser: string | undefined
  let login: Login | undefined
  let fails = 0
  let type: 'A' | 'I' = 'A'
  let cwd = '/'
  let rest = 0
  let secure = false
  let protP = false
  let pbsz = false
  let plan: DataPlan | undefined
  let transferring = false
  let commandEvents = 0
  let badCommands = 0
  /** An unknown or refused command: a run of them is a flood, not a client. */
  const bad = (text: string) => {
    reply(text)
    if (++badCommands < FTP_LIMITS.maxBadCommands) return
    session.emit('protocol_error', { error: 'too_many_bad_commands', count: badCommands })
    server.close('protocol')
  }
  const uploads: FtpNode[] = []
  const outbound = new Set<Socket>()

  let idle: NodeJS.Timeout | undefined
  const idleMs = Math.max(50, Math.min(FTP_LIMITS.idleMs, ctx.limits.idleTimeoutMs - 50))
  const armIdle = () => {
    clearTimeout(idle)
    idle = setTimeout(() => {
      if (transferring) return armIdle()
      server.writeLine(P.timeout)
      server.close('idle_timeout')
    }, idleMs)
    idle.unref()
  }

  const dropPlan = () => {
    if (plan?.kind === 'pasv') plan.slot.close()
    plan = undefined
  }

  socket.once('close', () => {
    clearTimeout(idle)
    dropPlan()
    for (const s of outbound) s.destroy()
  })

  const reply = (lines: string | string[]) => {
    for (const l of typeof lines === 'string' ? [lines] : lines) server.writeLine(l)
  }

  const logCommand = (verb: string, arg: string) => {
    if (++commandEvents > FTP_LIMITS.maxCommandEvents) return
    session.emit('ftp_command', { cmd: verb.slice(0, 16), arg: arg.slice(0, 255) || undefined, cwd, user: login?.name })
  }

  /** The file tree as this connection sees it: the bait plus what it uploaded. */
  const find = (path: string): FtpNode | undefined => {
    const up = uploads.find((u) => resolvePath('/', u.name) === path)
    return up ?? lookup(rt.tree, path)
  }
  const dirEntries = (path: string): FtpNode[] => {
    const d = lookup(rt.tree, path)
    const mine = uploads.filter((u) => resolvePath('/', u.name).replace(/\/[^/]*$/, '') === (path === '/' ? '' : path))
    return [...(d?.children ?? []), ...mine.map((u) => ({ ...u, name: u.name.slice(u.name.lastIndexOf('/') + 1) }))]
  }

  // ------------------------------------------------------------ data channel

  const tlsWrap = (sock: Socket, s: Session): Duplex => {
    if (!protP || !rt.tls) {
      sock.resume()
      return sock
    }
    return ctx.upgradeTls(sock, s, rt.tls)
  }

  const connectActive = (ip: string, port: number): Promise<Duplex | undefined> =>
    new Promise((resolve) => {
      // only ever the client's own address (checked by PORT/EPRT), from the address it reached us on
      const sock = connect({ host: ip, port, localAddress: localIp })
      outbound.add(sock)
      sock.once('close', () => outbound.delete(sock))
      const timer = setTimeout(() => done(false), FTP_LIMITS.dataConnectMs)
      let settled = false
      const done = (ok: boolean) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        if (!ok) {
          sock.destroy()
          return resolve(undefined)
        }
        // a TLS data channel on an outbound socket: a session view that belongs to the control connection
        const view: Session = {
          id: session.id,
          peer: { ip, port },
          localPort: sock.localPort ?? 0,
          emit: (t, f, o) => session.emit(t, { ...f, data_channel: true }, o),
          touch: () => session.touch(),
          close: () => sock.destroy(),
          get closed() {
            return sock.destroyed
          },
          authenticated: () => {},
        }
        resolve(tlsWrap(sock, view))
      }
      sock.once('connect', () => done(true))
      sock.on('error', () => done(false))
    })

  const openData = async (): Promise<Duplex | undefined> => {
    const p = plan
    plan = undefined
    if (!p) {
      reply(P.noData)
      return undefined
    }
    let stream: Duplex | undefined
    if (p.kind === 'pasv') {
      const conn = await p.slot.accept(FTP_LIMITS.dataConnectMs)
      p.slot.release()
      if (conn && !conn.session.closed) stream = tlsWrap(conn.socket, conn.session)
    } else {
      stream = await connectActive(p.ip, p.port)
    }
    if (!stream) reply(P.dataFailed)
    else stream.on('error', () => {})
    return stream
  }

  const sendData = (stream: Duplex, data: Buffer): Promise<void> =>
    new Promise((resolve) => {
      let done = false
      const finish = () => {
        if (done) return
        done = true
        resolve()
      }
      stream.once('finish', finish)
      stream.once('close', finish)
      stream.once('error', finish)
      const chunk = 64 * 1024
      let off = 0
      const pump = () => {
        while (off < data.length) {
          session.touch()
          const part = data.subarray(off, off + chunk)
          off += part.length
          if (!stream.write(part)) return void stream.once('drain', pump)
        }
        stream.end()
      }
      pump()
    })

  const receiveData = (stream: Duplex): Promise<{ data: Buffer; truncated: boolean; bytes: number }> =>
    new Promise((resolve) => {
      const cap = ctx.artifacts.maxFileBytes
      const lease = processMemoryBudget().lease(cap)
      const parts: Buffer[] = []
      let kept = 0
      let bytes = 0
      let truncated = false
      let done = false
      const finish = () => {
        if (done) return
        done = true
        const data = Buffer.concat(parts, kept)
        lease.close()
        resolve({ data, truncated, bytes })
      }
      stream.on('data', (c: Buffer) => {
        session.touch()
        bytes += c.length
        if (truncated) return
        // stop buffering at the per-file cap (or when the process budget is spent); the rest is counted and dropped
        const take = Math.min(c.length, cap - kept)
        if (take > 0 && !lease.reserve(take)) {
          truncated = true
          return
        }
        if (take > 0) {
          parts.push(Buffer.from(c.subarray(0, take)))
          kept += take
        }
        if (take < c.length) truncated = true
      })
      stream.once('end', finish)
      stream.once('close', finish)
      stream.once('error', finish)
      stream.resume()
    })

  // ------------------------------------------------------------ commands

  const authAttempt = async (pass: Buffer): Promise<void> => {
    const user = pendingUser
    pendingUser = undefined
    if (user === undefined) return reply(P.passFirst)
    const anonymous = rt.anonymous && ANON_NAMES.has(user.toUpperCase())
    const ok = anonymous || (rt.account !== undefined && user === rt.account.user && pass.equals(Buffer.from(rt.account.password)))
    session.emit('auth_attempt', {
      username: user,
      principal: user,
      secret_kind: 'plaintext',
      ...encodeSecret(pass),
      outcome: ok ? 'success' : 'failure',
      method: anonymous ? 'anonymous' : 'password',
      server: P.product,
      tls: secure || undefined,
    }, ok ? undefined : { severity: Severity.NOTICE })
    if (ok) {
      login = { name: anonymous ? 'ftp' : user, anonymous }
      session.authenticated()
      return reply(P.loginOk(user, anonymous))
    }
    fails++
    // vsftpd delay_failed_login: sleeps before answering; a timer here, the connection waits in order
    if (P.failDelayMs > 0) await new Promise((r) => setTimeout(r, P.failDelayMs).unref())
    reply(P.loginFail)
    if (fails >= P.maxLoginFails) server.close('login_failures')
  }

  const startTls = (arg: string) => {
    const a = arg.toUpperCase()
    if (!['TLS', 'TLS-C', 'SSL', 'TLS-P'].includes(a)) return reply('504 Unknown AUTH type.')
    if (!rt.tls) return reply(P.unknown('AUTH'))
    reply('234 Proceed with negotiation.')
    const tls = ctx.upgradeTls(socket, session, rt.tls)
    const { discarded } = server.upgrade(tls)
    secure = true
    if (discarded > 0) session.emit('protocol_error', { error: 'plaintext_after_auth_tls', discarded })
  }

  const tlsCommand = (verb: string, arg: string): boolean => {
    if (!rt.tls) return false
    if (verb === 'AUTH') {
      if (secure) reply('534 Already using TLS.')
      else startTls(arg)
      return true
    }
    if (verb === 'PBSZ') {
      if (!secure) reply('503 PBSZ needs a secure connection.')
      else {
        pbsz = true
        reply('200 PBSZ set to 0.')
      }
      return true
    }
    if (verb === 'PROT') {
      const a = arg.toUpperCase()
      if (!secure) reply('503 PROT needs a secure connection.')
      else if (!pbsz) reply('503 PROT must be preceded by PBSZ.')
      else if (a === 'C') {
        protP = false
        reply('200 PROT now Clear.')
      } else if (a === 'P') {
        protP = true
        reply('200 PROT now Private.')
      } else if (a === 'S' || a === 'E') reply('536 PROT protection level not supported.')
      else reply('504 PROT not recognized.')
      return true
    }
    return false
  }

  const activeTarget = (verb: 'PORT' | 'EPRT', arg: string): { ip: string; port: number } | undefined => {
    if (verb === 'PORT') {
      const n = arg.split(',').map((x) => x.trim())
      if (n.length !== 6 || !n.every((x) => /^\d{1,3}$/.test(x) && Number(x) <= 255)) return undefined
      const [a, b, c, d, p1, p2] = n.map(Number) as [number, number, number, number, number, number]
      return { ip: `${a}.${b}.${c}.${d}`, port: p1 * 256 + p2 }
    }
    const delim = arg[0]
    if (!delim) return undefined
    const [, proto, ip, port] = arg.split(delim)
    if (proto !== '1' || !ip || !isIPv4(ip) || !port || !/^\d{1,5}$/.test(port) || Number(port) > 65535) return undefined
    return { ip, port: Number(port) }
  }

  const port = (verb: 'PORT' | 'EPRT', arg: string) => {
    dropPlan()
    const bad = verb === 'PORT' ? P.portBad : P.eprtBad
    const target = activeTarget(verb, arg)
    if (!target) return reply(bad)
    // vsftpd port_promiscuous=NO: the client's own address, never a privileged port
    if (target.ip !== session.peer.ip || target.port < 1024 || target.port === 0) {
      session.emit('ftp_bounce_attempt', {
        command: verb, arg: arg.slice(0, 128), target_ip: target.ip, target_port: target.port,
        reason: target.ip !== session.peer.ip ? 'foreign_address' : 'privileged_port', user: login?.name,
      }, { severity: Severity.WARNING })
      return reply(bad)
    }
    plan = { kind: 'port', ip: target.ip, port: target.port }
    reply(verb === 'PORT' ? P.portOk : P.eprtOk)
  }

  const pasv = (verb: 'PASV' | 'EPSV', arg: string) => {
    if (verb === 'EPSV' && arg) {
      const a = arg.toUpperCase()
      if (a === 'ALL') return reply('200 EPSV ALL ok.')
      if (a !== '1') return reply('522 Bad network protocol.')
    }
    dropPlan()
    const slot = rt.pool.claim(session.peer.ip)
    if (!slot) return reply('425 Could not listen for passive connection.')
    plan = { kind: 'pasv', slot }
    reply(verb === 'PASV' ? P.pasv(localIp, slot.port) : P.epsv(slot.port))
  }

  /** LIST/NLST arguments: options (`-la`) then a path. */
  const listArgs = (arg: string): { path: string; all: boolean } => {
    let all = false
    const words = arg.split(/\s+/).filter(Boolean)
    while (words[0]?.startsWith('-')) {
      if (words[0].includes('a')) all = true
      words.shift()
    }
    return { path: resolvePath(cwd, words.join(' ') || '.'), all }
  }

  const list = async (verb: 'LIST' | 'NLST', arg: string) => {
    const { path, all } = listArgs(arg)
    const node = find(path)
    const stream = await openData()
    if (!stream) return
    transferring = true
    try {
      const now = Math.floor(Date.now() / 1000)
      const entries = !node ? [] : node.dir ? dirEntries(path).filter((e) => all || !e.name.startsWith('.')) : [node]
      const text = entries.map((e) => (verb === 'LIST' ? listLine(e, now) : e.name)).map((l) => `${l}\r\n`).join('')
      reply(P.listStart)
      await sendData(stream, Buffer.from(text))
      session.emit('directory_list', { path, entries: entries.length, cmd: verb, user: login?.name })
      reply(P.listEnd(entries.length))
    } finally {
      transferring = false
    }
  }

  const retr = async (arg: string) => {
    const path = resolvePath(cwd, arg)
    const node = find(path)
    if (!node || node.dir || !node.data) {
      dropPlan()
      session.emit('file_download', { path, found: false, user: login?.name })
      return reply(P.retrFail)
    }
    const stream = await openData()
    if (!stream) return
    transferring = true
    try {
      const from = Math.min(rest, node.data.length)
      rest = 0
      reply(P.retrStart(arg, node.data.length, type === 'I'))
      await sendData(stream, node.data.subarray(from))
      session.emit('file_download', { path, found: true, size: node.data.length, offset: from || undefined, user: login?.name })
      reply(P.retrEnd)
    } finally {
      transferring = false
    }
  }

  let stouCount = 0
  const stor = async (verb: 'STOR' | 'APPE' | 'STOU', arg: string) => {
    const name = verb === 'STOU' ? `${arg || 'ftp'}.${++stouCount}` : arg
    const path = resolvePath(cwd, name)
    const target = lookup(rt.tree, path)
    const writable = login && (login.anonymous ? rt.anonUpload : true)
    if (!writable || !name || target?.dir || path === '/') {
      dropPlan()
      session.emit('upload_denied', { path, cmd: verb, user: login?.name })
      return reply(P.denied(name))
    }
    const stream = await openData()
    if (!stream) return
    transferring = true
    try {
      reply(verb === 'STOU' ? `150 FILE: ${name}` : P.storStart)
      const got = await receiveData(stream)
      await ctx.artifacts.save({
        name: path.slice(path.lastIndexOf('/') + 1) || 'upload',
        data: got.data,
        truncated: got.truncated,
        originalSize: got.bytes,
        peer: session.peer,
        fields: { via: verb.toLowerCase(), ftp_path: path, ftp_user: login?.name, session: session.id, tls: protP || undefined },
      })
      if (uploads.length < FTP_LIMITS.maxKeptUploads) {
        const kept: FtpNode = { name: path, dir: false, mtime: Math.floor(Date.now() / 1000), data: got.data.length <= FTP_LIMITS.maxKeptUploadBytes ? got.data : Buffer.alloc(0) }
        const i = uploads.findIndex((u) => u.name === path)
        if (i >= 0) uploads[i] = kept
        else uploads.push(kept)
      }
      reply(P.storEnd)
    } finally {
      transferring = false
    }
  }

  const stat = (arg: string) => {
    if (arg) {
      const path = resolvePath(cwd, arg)
      const node = find(path)
      const now = Math.floor(Date.now() / 1000)
      const entries = !node ? [] : node.dir ? dirEntries(path) : [node]
      return reply(['213-Status follows:', ...entries.map((e) => listLine(e, now)), '213 End of status'])
    }
    reply([
      '211-FTP server status:',
      `     Connected to ${session.peer.ip}`,
      `     Logged in as ${login?.name ?? ''}`,
      `     TYPE: ${type === 'I' ? 'BINARY' : 'ASCII'}`,
      '     No session bandwidth limit',
      `     Session timeout in seconds is ${Math.round(FTP_LIMITS.idleMs / 1000)}`,
      `     Control connection is ${secure ? 'TLSv1.3' : 'plain text'}`,
      `     Data connections will be ${protP ? 'TLSv1.3' : 'plain text'}`,
      '     At session startup, client count was 1',
      `     ${P.product.replace('vsftpd', 'vsFTPd')} - secure, fast, stable`,
      '211 End of status',
    ])
  }

  const preLogin = async (verb: string, arg: string, raw: Buffer): Promise<void> => {
    switch (verb) {
      case 'USER':
        if (!arg) return reply(P.notLoggedIn)
        pendingUser = arg
        return reply(P.userOk(arg, rt.anonymous && ANON_NAMES.has(arg.toUpperCase())))
      case 'PASS':
        return authAttempt(raw)
      case 'QUIT':
        reply(P.quit)
        return server.close('quit')
      case 'FEAT':
        return reply(P.feat(rt.tls !== undefined))
      case 'OPTS':
        return reply(arg.toUpperCase() === 'UTF8 ON' ? '200 Always in UTF8 mode.' : '501 Option not understood.')
      case '':
        return
      default:
        if (tlsCommand(verb, arg)) return
        return bad(P.notLoggedIn)
    }
  }

  const postLogin = async (verb: string, arg: string): Promise<void> => {
    if (tlsCommand(verb, arg)) return
    switch (verb) {
      case 'PWD':
      case 'XPWD':
        return reply(P.pwd(cwd))
      case 'CWD':
      case 'XCWD':
      case 'CDUP':
      case 'XCUP': {
        const path = resolvePath(cwd, verb.endsWith('UP') ? '..' : arg)
        if (!find(path)?.dir) return reply(P.cwdFail(arg))
        cwd = path
        return reply(P.cwdOk)
      }
      case 'SYST':
        return reply(P.syst)
      case 'TYPE': {
        const r = P.typeReply(arg)
        if (r.type) type = r.type
        return reply(r.reply)
      }
      case 'MODE':
        return reply(arg.toUpperCase() === 'S' ? '200 Mode set to S.' : '504 Bad MODE command.')
      case 'STRU':
        return reply(arg.toUpperCase() === 'F' ? '200 Structure set to F.' : '504 Bad STRU command.')
      case 'NOOP':
        return reply(P.noop)
      case 'QUIT':
        reply(P.quit)
        return server.close('quit')
      case 'FEAT':
        return reply(P.feat(rt.tls !== undefined))
      case 'HELP':
        return reply(P.help)
      case 'OPTS':
        return reply(arg.toUpperCase() === 'UTF8 ON' ? '200 Always in UTF8 mode.' : '501 Option not understood.')
      case 'USER':
        return reply(login?.anonymous ? '530 Can\'t change from guest user.' : '530 Can\'t change to another user.')
      case 'PASS':
        return reply('230 Already logged in.')
      case 'PASV':
      case 'P@SW':
        return pasv('PASV', arg)
      case 'EPSV':
        return pasv('EPSV', arg)
      case 'PORT':
      case 'EPRT':
        return port(verb, arg)
      case 'LIST':
      case 'NLST':
        return list(verb, arg)
      case 'RETR':
        return retr(arg)
      case 'STOR':
      case 'APPE':
      case 'STOU':
        return stor(verb, arg)
      case 'SIZE': {
        const n = find(resolvePath(cwd, arg))
        return reply(n && !n.dir ? `213 ${n.data?.length ?? 0}` : '550 Could not get file size.')
      }
      case 'MDTM': {
        const n = find(resolvePath(cwd, arg))
        return reply(n && !n.dir ? `213 ${mdtm(n.mtime)}` : '550 Could not get file modification time.')
      }
      case 'REST': {
        const v = /^\d{1,15}$/.test(arg) ? Number(arg) : 0
        rest = v
        return reply(`350 Restart position accepted (${v}).`)
      }
      case 'ABOR':
        return reply('225 No transfer to ABOR.')
      case 'ALLO':
        return reply('202 ALLO command ignored.')
      case 'STAT':
        return stat(arg)
      case 'SITE': {
        const sub = arg.split(' ')[0]?.toUpperCase() ?? ''
        if (sub === 'HELP') return reply('214 CHMOD UMASK HELP')
        if (sub === 'CHMOD' || sub === 'UMASK') return reply(P.denied(arg))
        return reply('500 Unknown SITE command.')
      }
      case 'ACCT':
      case 'SMNT':
      case 'REIN':
        return reply(`502 ${verb} not implemented.`)
      default:
        if (WRITE_VERBS.has(verb)) {
          session.emit('upload_denied', { path: resolvePath(cwd, arg), cmd: verb, user: login?.name })
          return reply(P.denied(arg))
        }
        return bad(P.unknown(verb))
    }
  }

  const onLine = (line: Line): Promise<void> | void => {
    armIdle()
    // Telnet IP/Synch (IAC IP IAC DM) that clients put before ABOR
    let raw = line.raw
    while (raw.length >= 2 && raw[0] === 0xff) raw = raw.subarray(2)
    const text = raw.toString('utf8')
    const sp = text.indexOf(' ')
    const verb = (sp < 0 ? text : text.slice(0, sp)).toUpperCase()
    const arg = sp < 0 ? '' : text.slice(sp + 1)
    if (verb !== 'USER' && verb !== 'PASS') logCommand(verb, arg)
    const before = badCommands
    const r = !login ? preLogin(verb, arg, sp < 0 ? Buffer.alloc(0) : raw.subarray(sp + 1)) : postLogin(verb, arg)
    // a client that sends commands without reading the replies: stop reading until they drain
    return r.then(() => {
      if (badCommands === before) badCommands = 0
      return server.stream.writableNeedDrain ? server.flush() : undefined
    })
  }

  const server = new LineServer(socket, session, {
    maxLineBytes: ctx.limits.maxLineBytes,
    // transfers are bounded by their own timers (dataConnectMs) and the idle limit
    commandTimeoutMs: 0,
    onOverflow: (srv) => srv.writeLine('500 Input line too long.'),
    onLine,
  })
  armIdle()
  reply(P.greeting(localIp, socket.localPort ?? 21))
}
