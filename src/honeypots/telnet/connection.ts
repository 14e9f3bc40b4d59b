// One telnet connection: the persona's option negotiation, the login dialog
// (echo off for the password, the failure delay by timer, the try limit and
// the login timeout), then the shared emulated shell (or the IOS exec of the
// cisco persona). Client bytes go through the bounded IAC parser first.
import type { Socket } from 'node:net'
import type { Session } from '../../runtime/context.js'
import { encodeSecret, Severity } from '../../events/event.js'
import { findUser, type ShellUser } from '../shared/shell/persona.js'
import { newShellState } from '../shared/shell/interpreter.js'
import { InteractiveShell } from '../shared/shell/terminal.js'
import type { ShellHost } from '../shared/shell/types.js'
import { Transcript } from '../shared/shell/transcript.js'
import { ctime } from '../ssh/banner.js'
import {
  AO, AYT, EC, EL, IP, OPT, OptionState, QUAL_INFO, QUAL_IS, TelnetParser, WILL, escapeIac, optionName, parseEnviron, sbSend,
} from './iac.js'
import { IosExec } from './cisco.js'
import type { TelnetRuntime } from './runtime.js'

export const TELNET_LIMITS = Object.freeze({
  /** Bytes kept of one subnegotiation (TERMINAL-TYPE, NEW-ENVIRON…); the rest is dropped. */
  maxSubnegotiation: 512,
  /** Client bytes queued while the daemon negotiates or login waits. */
  maxPendingBytes: 4096,
  /** telnet_option events per connection. */
  maxOptionEvents: 16,
  maxUsername: 256,
  maxSecret: 1024,
  /** netkit waits for the answers to its opening DOs; a client that never answers gets the login prompt after this. */
  negotiateWaitMs: 8000,
  /** Wait for the SB replies and for the NAWS answer. */
  subnegotiationWaitMs: 2000,
  /** fork/exec of login between the daemon's last option and the banner (keeps them in separate segments, as on a real host). */
  execDelayMs: 40,
})

const CTRL_C = 0x03
const CTRL_U = 0x15
const DEL = 0x7f

type Phase = 'negotiate' | 'subneg' | 'settle' | 'exec' | 'user' | 'pass' | 'checking' | 'shell' | 'done'

export function handleTelnet(rt: TelnetRuntime, socket: Socket, s: Session): void {
  new TelnetConnection(rt, socket, s).start()
}

class TelnetConnection {
  readonly d: TelnetRuntime["dialect"]
  readonly opts: OptionState
  readonly parser: TelnetParser
  phase: Phase = 'negotiate'
  #pending: number[] = []
  #line = ''
  #lastCR = false
  #username = ''
  #tries = 0
  #timers = new Set<NodeJS.Timeout>()
  #phaseTimer: NodeJS.Timeout | undefined
  #awaitSb = new Set<number>()
  #optionEvents = 0
  #sbOverflowLogged = false
  #term = ''
  #size = { cols: 80, rows: 24 }
  #shell: InteractiveShell | undefined
  #ios: IosExec | undefined
  #transcript: Transcript | undefined
  #started = Date.now()
  #bytes = 0
  #recorded = false

  constructor(
    readonly rt: TelnetRuntime,
    readonly socket: Socket,
    readonly s: Session,
  ) {
    this.d = rt.dialect
    this.opts = new OptionState(
      new Set([OPT.ECHO, OPT.SGA, OPT.STATUS, OPT.BINARY]),
      // LINEMODE: netkit is built with it (KLUDGELINEMODE); accepting it keeps line-mode clients (hydra) sending whole lines
      new Set([OPT.TTYPE, OPT.TSPEED, OPT.XDISPLOC, OPT.NEW_ENVIRON, OPT.NAWS, OPT.LFLOW, OPT.BINARY, OPT.LINEMODE]),
      (b) => this.#raw(b),
      this.d.answers,
    )
    this.parser = new TelnetParser({
      data: (b) => this.#data(b),
      option: (verb, opt) => this.#option(verb, opt),
      control: (c) => this.#control(c),
      subnegotiation: (opt, data, truncated) => this.#sub(opt, data, truncated),
    }, TELNET_LIMITS.maxSubnegotiation)
  }

  start(): void {
    const { socket } = this
    socket.on('data', (d: Buffer) => {
      if (this.phase === 'done') return
      this.parser.feed(d)
    })
    socket.on('error', () => {})
    socket.once('close', () => this.#closed())
    // login's own timer: its message just before the runtime's deadline closes the socket
    const deadline = Math.min(this.d.loginTimeoutMs, this.rt.ctx.limits.maxHandshakeMs ?? Infinity)
    if (deadline >= 1000) {
      this.#timer(deadline - 200, () => {
        if (this.phase === 'shell' || this.phase === 'done') return
        this.#finish(this.d.timeoutMessage, 'login_timeout')
      })
    }
    const out: Buffer[] = []
    for (const [verb, opt] of this.d.opening) out.push(verb === WILL ? this.opts.askWill(opt) : this.opts.askDo(opt))
    this.#raw(Buffer.concat(out))
    if (this.d.awaitAnswers.length > 0) {
      this.#phaseTimer = this.#timer(this.#wait(TELNET_LIMITS.negotiateWaitMs), () => this.#afterAnswers())
    } else {
      this.phase = 'exec'
      this.#timer(TELNET_LIMITS.execDelayMs, () => this.#showLogin())
    }
  }

  // ------------------------------------------------------------------ wire

  #raw(b: Buffer): void {
    if (this.phase === 'done' || this.socket.destroyed) return
    this.socket.write(b)
  }

  #text(t: string): void {
    this.#raw(escapeIac(Buffer.from(t, 'utf8')))
  }

  /** A negotiation wait, never longer than half the idle limit: the client would be dropped before it saw a prompt. */
  #wait(ms: number): number {
    return Math.min(ms, Math.floor(this.rt.ctx.limits.idleTimeoutMs / 2))
  }

  #timer(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.#timers.delete(t)
      if (this.phase !== 'done' && !this.s.closed) fn()
    }, ms)
    t.unref()
    this.#timers.add(t)
    return t
  }

  #clearPhaseTimer(): void {
    if (this.#phaseTimer) {
      clearTimeout(this.#phaseTimer)
      this.#timers.delete(this.#phaseTimer)
      this.#phaseTimer = undefined
    }
  }

  /** Writes `text`, half-closes, and ends the session if the client does not. */
  #finish(text: string, reason: string): void {
    if (this.phase === 'done') return
    if (text) this.#text(text)
    this.phase = 'done'
    // once the text is flushed, close with our reason (the client's FIN would say `closed`)
    this.socket.end(() => this.s.close(reason))
    const t = setTimeout(() => this.s.close(reason), 2000)
    t.unref()
    this.#timers.add(t)
  }

  #closed(): void {
    this.phase = 'done'
    for (const t of this.#timers) clearTimeout(t)
    this.#timers.clear()
    if (this.#recorded) {
      const tr = this.#transcript
      this.s.emit('session_recorded', {
        sid: this.s.id, service: 'telnet', duration_s: ((Date.now() - this.#started) / 1000).toFixed(3), bytes: this.#bytes,
        commands: this.#shell?.commands ?? this.#ios?.commands ?? 0,
        truncated: tr?.truncated ?? false, transcript: tr ? `transcripts/${tr.file.split('/').pop()}` : undefined,
      })
    }
  }

  // ------------------------------------------------------------------ negotiation (netkit order)

  #option(verb: number, opt: number): void {
    this.opts.onOption(verb, opt)
    if (this.phase === 'negotiate' && this.d.awaitAnswers.every((o) => this.opts.answered(o))) this.#afterAnswers()
    else if (this.phase === 'settle' && this.opts.answered(OPT.NAWS)) this.#settled()
  }

  /** getterminaltype(): ask for the values the client agreed to send. */
  #afterAnswers(): void {
    if (this.phase !== 'negotiate') return
    this.#clearPhaseTimer()
    this.phase = 'subneg'
    const out: Buffer[] = []
    for (const o of [OPT.TSPEED, OPT.XDISPLOC, OPT.NEW_ENVIRON, OPT.TTYPE]) {
      if (this.opts.him.get(o) === true) {
        out.push(sbSend(o))
        this.#awaitSb.add(o)
      }
    }
    if (out.length === 0) return this.#settle()
    this.#raw(Buffer.concat(out))
    this.#phaseTimer = this.#timer(this.#wait(TELNET_LIMITS.subnegotiationWaitMs), () => this.#settle())
  }

  /** telnet(): SGA, the 4.2-client ECHO test, NAWS, STATUS, LFLOW; then wait for the NAWS answer. */
  #settle(): void {
    if (this.phase !== 'subneg') return
    this.#clearPhaseTimer()
    this.phase = 'settle'
    this.#raw(Buffer.concat([
      this.opts.askWill(OPT.SGA), this.opts.askDo(OPT.ECHO), this.opts.askDo(OPT.NAWS), this.opts.askWill(OPT.STATUS), this.opts.askDo(OPT.LFLOW),
    ]))
    this.#phaseTimer = this.#timer(this.#wait(TELNET_LIMITS.subnegotiationWaitMs), () => this.#settled())
  }

  #settled(): void {
    if (this.phase !== 'settle') return
    this.#clearPhaseTimer()
    this.phase = 'exec'
    // "Finally, to clean things up, we turn on our echo."
    if (!this.opts.ours(OPT.ECHO)) this.#raw(this.opts.askWill(OPT.ECHO))
    this.#timer(TELNET_LIMITS.execDelayMs, () => this.#showLogin())
  }

  #sub(opt: number, data: Buffer, truncated: boolean): void {
    if (truncated && !this.#sbOverflowLogged) {
      this.#sbOverflowLogged = true
      this.s.emit('protocol_error', { error: 'subnegotiation_too_long', option: optionName(opt), limit: TELNET_LIMITS.maxSubnegotiation })
    }
    if (opt === OPT.NAWS && data.length >= 4) {
      this.#size = { cols: data.readUInt16BE(0) || 80, rows: data.readUInt16BE(2) || 24 }
      this.#transcript?.resize(this.#size.cols, this.#size.rows)
    } else if (data[0] === QUAL_IS || data[0] === QUAL_INFO) {
      this.#optionEvent(opt, data.subarray(1), truncated)
    }
    if (this.#awaitSb.delete(opt) && this.phase === 'subneg' && this.#awaitSb.size === 0) this.#settle()
  }

  #optionEvent(opt: number, value: Buffer, truncated: boolean): void {
    if (this.#optionEvents >= TELNET_LIMITS.maxOptionEvents) return
    this.#optionEvents++
    const option = optionName(opt)
    if (opt === OPT.NEW_ENVIRON || opt === OPT.OLD_ENVIRON) {
      const vars = parseEnviron(value)
      const user = vars.find((v) => v.kind === 'VAR' && v.name === 'USER')?.value
      // USER=-f root: login -f (no password), the classic telnetd environment injection
      const injection = user !== undefined && user.startsWith('-')
      this.s.emit('telnet_option', {
        option, vars: vars.map((v) => [v.name, v.value]), user, truncated, injection: injection || undefined,
      }, injection ? { severity: Severity.WARNING } : undefined)
      return
    }
    const text = value.toString('latin1').replace(/[^\x20-\x7e]/g, '?')
    if (opt === OPT.TTYPE && !this.#term) this.#term = text.toLowerCase().slice(0, 63)
    this.s.emit('telnet_option', { option, value: text, truncated })
  }

  #control(c: number): void {
    if (c === IP) this.#data(Buffer.from([CTRL_C]))
    else if (c === EC) this.#data(Buffer.from([DEL]))
    else if (c === EL) this.#data(Buffer.from([CTRL_U]))
    else if (c === AYT && this.phase === 'shell') this.#text('\r\n[Yes]\r\n')
    else if (c === AO) return
  }

  // ------------------------------------------------------------------ login

  #data(b: Buffer): void {
    this.#bytes += b.length
    if (this.phase === 'shell') {
      this.#transcript?.input(b)
      this.s.touch()
      if (this.#ios) this.#ios.feed(b)
      else this.#shell?.feed(b)
      return
    }
    const room = TELNET_LIMITS.maxPendingBytes - this.#pending.length
    for (let i = 0; i < b.length && i < room; i++) this.#pending.push(b[i] as number)
    // typed-ahead input is full (a flood, or typing through the failure delay): stop reading, as a full tty
    // buffer would; TCP pushes back on the sender until login has read what it has
    if (this.#pending.length >= TELNET_LIMITS.maxPendingBytes) this.socket.pause()
    // a client that types before answering the options: netkit stops waiting once it has its answers; we stop at the first keystroke
    if (this.phase === 'negotiate') this.#afterAnswers()
    this.#drain()
  }

  #showLogin(): void {
    if (this.phase !== 'exec') return
    this.phase = 'user'
    this.#text(this.d.banner + this.d.userPrompt)
    this.#drain()
  }

  #echoOn(): boolean {
    return this.d.answers ? this.opts.ours(OPT.ECHO) : true
  }

  #drain(): void {
    while (this.#pending.length > 0 && (this.phase === 'user' || this.phase === 'pass')) {
      const queued = this.#pending
      this.#pending = []
      let i = 0
      for (; i < queued.length && (this.phase === 'user' || this.phase === 'pass'); i++) this.#key(queued[i] as number)
      if (i < queued.length) this.#pending = queued.slice(i).concat(this.#pending)
    }
    if (this.#pending.length < TELNET_LIMITS.maxPendingBytes && this.socket.isPaused() && !this.socket.destroyed) this.socket.resume()
  }

  #key(b: number): void {
    const echo = this.phase === 'user' && this.#echoOn()
    if (b === 0x0a && this.#lastCR) {
      this.#lastCR = false
      return
    }
    this.#lastCR = b === 0x0d
    if (b === 0x0d || b === 0x0a) {
      const line = Buffer.from(this.#line, 'latin1').toString('utf8')
      this.#line = ''
      this.#text('\r\n')
      if (this.phase === 'user') {
        // IOS asks again; login(1) hands an empty name to PAM, and pam_unix still asks for a password
        if (line.trim() === '' && this.d.name === 'cisco') return this.#text(this.d.userPrompt)
        this.#username = line
        this.phase = 'pass'
        this.#text(this.d.passPrompt)
      } else this.#check(line)
      return
    }
    if (b === DEL || b === 0x08) {
      if (this.#line.length > 0) {
        this.#line = this.#line.slice(0, -1)
        if (echo) this.#text('\b \b')
      }
      return
    }
    if (b === CTRL_U) {
      if (echo) this.#text('\b \b'.repeat(this.#line.length))
      this.#line = ''
      return
    }
    if (b < 0x20) return
    if (this.#line.length >= this.rt.ctx.limits.maxLineBytes) return
    this.#line += String.fromCharCode(b)
    if (echo) this.#raw(escapeIac(Buffer.from([b])))
  }

  #account(username: string, secret: string): ShellUser | undefined {
    const u = findUser(this.rt.persona, username)
    return u && u.password !== undefined && u.password === secret ? u : undefined
  }

  #check(secret: string): void {
    this.phase = 'checking'
    this.#tries++
    const username = this.#username.slice(0, TELNET_LIMITS.maxUsername)
    const user = this.#account(this.#username, secret)
    this.s.emit('auth_attempt', {
      username, principal: username, method: this.d.method, secret_kind: 'plaintext',
      ...encodeSecret(secret.slice(0, TELNET_LIMITS.maxSecret)), outcome: user ? 'success' : 'failure', attempt: this.#tries,
    }, user ? undefined : { severity: Severity.NOTICE })
    if (user) return this.#loggedIn(user)
    const spread = this.d.failSpreadMs
    const delay = this.rt.failDelayMs ?? this.d.failDelayMs + (spread ? Math.floor((Math.random() * 2 - 1) * spread) : 0)
    this.#timer(delay, () => {
      if (this.#tries >= this.d.maxTries) {
        this.s.emit('auth_exhausted', { attempts: this.#tries })
        this.#finish(this.d.failure, 'too_many_auth_failures')
        return
      }
      this.phase = 'user'
      // one segment: a scanner reading "failed" before the prompt would take it for something else
      this.#text(this.d.failure + this.d.userPrompt)
      this.#drain()
    })
  }

  // ------------------------------------------------------------------ after login

  #loggedIn(user: ShellUser): void {
    const { rt, s } = this
    s.authenticated()
    s.emit('login', { username: user.name })
    this.phase = 'shell'
    this.#recorded = true
    this.#transcript = new Transcript(rt.transcriptsDir, s.id, { width: this.#size.cols, height: this.#size.rows, term: this.#term }, new Date(), {
      reserve: (n) => rt.ctx.artifacts.reserve(n),
    })
    const write = (t: string) => {
      this.#bytes += t.length
      this.#transcript?.output(t)
      this.#text(t)
    }
    const pending = Buffer.from(this.#pending)
    this.#pending = []
    if (this.d.name === 'cisco') {
      this.#ios = new IosExec(rt.ios(user.name), {
        write,
        emit: (type, fields) => s.emit(type, fields),
        end: () => this.#finish('', 'logout'),
      }, () => this.#echoOn())
      this.#ios.start()
      if (pending.length) this.#ios.feed(pending)
      return
    }
    const host: ShellHost = {
      emit: (type, fields) => s.emit(type, fields),
      peerIp: s.peer.ip,
      peerPort: s.peer.port,
      localPort: s.localPort,
      service: 'telnet',
      tty: `/dev/pts/${rt.ptyCounter++ % 8}`,
    }
    const sh = newShellState({ fs: rt.fs, persona: rt.persona, user, host, interactive: true })
    sh.env.set('TERM', this.#term || 'xterm')
    this.#shell = new InteractiveShell(sh, { write, end: () => this.#finish('', 'logout') }, rt.ctx.limits.maxLineBytes, true)
    this.#shell.start(this.#motd(user))
    if (pending.length) this.#shell.feed(pending)
  }

  /** pam_motd (uname line + /etc/motd) and pam_lastlog, as login(1) prints them. */
  #motd(user: ShellUser): string {
    const p = this.rt.persona
    const d = p.distro
    if (this.d.name === 'busybox') return '\n\nBusyBox v1.35.0 (2023-05-02 11:11:24 UTC) built-in shell (ash)\nEnter \'help\' for a list of built-in commands.\n\n'
    const prev = this.rt.lastLogins.get(user.name) ?? { at: p.lastLoginAt, from: p.lastLoginFrom }
    this.rt.lastLogins.set(user.name, { at: new Date(), from: this.s.peer.ip })
    let text = ''
    if (d.slug === 'debian' || d.slug === 'kali') text += `Linux ${p.hostname.split('.')[0]} ${d.kernel} ${d.kernelBuild} x86_64\n`
    text += d.motd
    if (d.slug.startsWith('ubuntu')) text += '\n'
    text += `Last login: ${ctime(prev.at).replace(/ (\d{4})$/, ' UTC $1')} from ${prev.from} on pts/${this.rt.ptyCounter % 8}\n`
    return text
  }
}

