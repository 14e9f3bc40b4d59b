// smtp_relay's forwarding path. The emulator never delivers mail on an
// attacker's behalf: only when the operator configured an upstream relay
// (upstream_host) does it forward, at most `probe_limit` messages per source
// address per hour (the spammer's test message, so the relay looks open), and
// every decision is logged as `relay_decision`. The one outbound connection
// in the emulator is the tiny SMTP client below, and it only ever connects to
// the operator's upstream.
import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'

export const RELAY_WINDOW_MS = 3_600_000
/** Recipients forwarded per message (the rest are dropped and logged). */
export const MAX_FORWARD_RCPTS = 3
export const UPSTREAM_TIMEOUT_MS = 15_000
/** Longest upstream reply line / reply kept. */
const MAX_REPLY = 4096

export interface OutboundMessage {
  /** Envelope sender used upstream. */
  from: string
  to: string[]
  /** The message bytes exactly as received (not dot-stuffed). */
  data: Buffer
}

export interface ForwardResult {
  ok: boolean
  /** The upstream's last reply (or the error). */
  reply: string
}

/** What forwards a message; the emulator only knows this interface. */
export interface Forwarder {
  readonly target: string
  forward(m: OutboundMessage): Promise<ForwardResult>
}

/** A sliding window of forwards per source address; reserve before sending. */
export class RelayBudget {
  readonly #used = new Map<string, number[]>()
  constructor(
    readonly limit: number,
    readonly windowMs = RELAY_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {}

  used(ip: string): number {
    return this.#live(ip).length
  }

  /** Takes one slot for `ip` if there is one (synchronously, so concurrent sessions cannot both pass). */
  take(ip: string): boolean {
    const live = this.#live(ip)
    if (live.length >= this.limit) return false
    live.push(this.now())
    this.#used.set(ip, live)
    return true
  }

  #live(ip: string): number[] {
    const cutoff = this.now() - this.windowMs
    const live = (this.#used.get(ip) ?? []).filter((t) => t > cutoff)
    if (live.length === 0) this.#used.delete(ip)
    else this.#used.set(ip, live)
    // keep the map small: forget sources whose slots all expired
    if (this.#used.size > 10_000) for (const [k, v] of this.#used) if (v.every((t) => t <= cutoff)) this.#used.delete(k)
    return live
  }
}

export interface UpstreamConfig {
  host: string
  port: number
  user?: string
  pass?: string
  /** Name sent in EHLO. */
  helo: string
  timeoutMs?: number
}

/** RFC 5321 §4.5.2 dot-stuffing, and the final CRLF . CRLF. */
export function dotStuff(data: Buffer): Buffer {
  let s = data.toString('latin1').replace(/(^|\n)\./g, '$1..')
  if (!s.endsWith('\r\n')) s += '\r\n'
  return Buffer.from(`${s}.\r\n`, 'latin1')
}

const isLoopback = (h: string) => h === 'localhost' || /^127\./.test(h) || h === '::1'

/**
 * A minimal SMTP client for the operator's upstream: EHLO, STARTTLS when
 * offered (certificate verified), AUTH PLAIN when credentials are set (never
 * in the clear unless the upstream is on loopback), one transaction, QUIT.
 */
export class UpstreamClient implements Forwarder {
  readonly target: string
  constructor(private readonly cfg: UpstreamConfig) {
    this.target = `${cfg.host}:${cfg.port}`
  }

  async forward(m: OutboundMessage): Promise<ForwardResult> {
    const c = this.cfg
    let sock: Socket | TLSSocket = netConnect({ host: c.host, port: c.port })
    const conn = new ReplyReader(sock)
    const timer = setTimeout(() => sock.destroy(new Error('upstream timeout')), c.timeoutMs ?? UPSTREAM_TIMEOUT_MS)
    timer.unref()
    let last = ''
    const expect = async (code: number, what: string) => {
      const r = await conn.reply()
      last = r.text
      if (r.code !== code) throw new Error(`${what}: ${r.text}`)
      return r.text
    }
    const send = (line: string | Buffer) => sock.write(typeof line === 'string' ? `${line}\r\n` : line)
    try {
      await new Promise<void>((res, rej) => {
        sock.once('connect', res)
        sock.once('error', rej)
      })
      await expect(220, 'greeting')
      send(`EHLO ${c.helo}`)
      let ehlo = await expect(250, 'EHLO')
      if (/^250[ -]STARTTLS\b/im.test(ehlo)) {
        send('STARTTLS')
        await expect(220, 'STARTTLS')
        conn.detach()
        sock = tlsConnect({ socket: sock, servername: isLoopback(c.host) ? undefined : c.host })
        await new Promise<void>((res, rej) => {
          sock.once('secureConnect', res)
          sock.once('error', rej)
        })
        conn.attach(sock)
        send(`EHLO ${c.helo}`)
        ehlo = await expect(250, 'EHLO')
      }
      if (c.user && c.pass !== undefined) {
        if (!(sock as TLSSocket).encrypted && !isLoopback(c.host)) throw new Error('upstream offers no STARTTLS: AUTH not sent in the clear')
        send(`AUTH PLAIN ${Buffer.from(`\0${c.user}\0${c.pass}`).toString('base64')}`)
        await expect(235, 'AUTH')
      }
      send(`MAIL FROM:<${m.from}>`)
      await expect(250, 'MAIL')
      let accepted = 0
      for (const r of m.to) {
        send(`RCPT TO:<${r}>`)
        const rr = await conn.reply()
        last = rr.text
        if (rr.code === 250 || rr.code === 251) accepted++
      }
      if (accepted === 0) throw new Error(`RCPT: ${last}`)
      send('DATA')
      await expect(354, 'DATA')
      send(dotStuff(m.data))
      const done = await expect(250, 'end of data')
      send('QUIT')
      return { ok: true, reply: done.trim() }
    } catch (e) {
      return { ok: false, reply: (e instanceof Error ? e.message : String(e)).slice(0, 300) }
    } finally {
      clearTimeout(timer)
      sock.end()
      setTimeout(() => sock.destroy(), 1000).unref()
    }
  }
}

/** Reads SMTP replies (multi-line `250-…`, last `250 …`). */
class ReplyReader {
  #buf = ''
  #waiting: (() => void) | undefined
  #sock: Socket | TLSSocket | undefined
  #err: Error | undefined
  readonly #onData = (d: Buffer) => {
    this.#buf += d.toString('latin1')
    if (this.#buf.length > MAX_REPLY * 4) this.#err = new Error('upstream reply too long')
    this.#waiting?.()
  }
  readonly #onEnd = (e?: Error) => {
    this.#err ??= e instanceof Error ? e : new Error('upstream closed the connection')
    this.#waiting?.()
  }

  constructor(sock: Socket | TLSSocket) {
    this.attach(sock)
  }

  attach(sock: Socket | TLSSocket): void {
    this.#sock = sock
    this.#err = undefined
    sock.on('data', this.#onData)
    sock.on('error', this.#onEnd)
    sock.on('close', this.#onEnd)
  }

  detach(): void {
    this.#sock?.off('data', this.#onData)
    this.#sock?.off('error', this.#onEnd)
    this.#sock?.off('close', this.#onEnd)
  }

  async reply(): Promise<{ code: number; text: string }> {
    for (;;) {
      const m = /(?:^|\n)(\d{3}) [^\n]*\n/.exec(this.#buf)
      if (m) {
        const end = m.index + m[0].length
        const text = this.#buf.slice(0, end)
        this.#buf = this.#buf.slice(end)
        return { code: Number(m[1]), text: text.slice(0, MAX_REPLY) }
      }
      if (this.#err) throw this.#err
      await new Promise<void>((r) => (this.#waiting = r))
      this.#waiting = undefined
    }
  }
}
