// SyslogForwarder: an EventSink that sends each event as an RFC 5424 line to a
// LOG_TARGET (a decnet collector, rsyslog, syslog-ng, Vector, ...). UDP sends a
// datagram per line; TCP and TLS use octet counting (RFC 6587 §3.4.1 / RFC 5425),
// reconnect with exponential backoff, and keep a bounded queue while down.
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { connect as netConnect, isIPv6, type Socket } from 'node:net'
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls'
import type { DecnetEvent } from '../events/event.js'
import type { EventSink } from '../events/sink.js'
import { formatEvent } from '../syslog/format.js'
import { parseEndpoint, type Endpoint } from './listen.js'

export const FORWARDER_DEFAULTS = Object.freeze({
  /** Lines kept while the target is unreachable; more are dropped and counted. */
  maxQueue: 10_000,
  backoffInitialMs: 500,
  backoffMaxMs: 30_000,
  /** Largest UDP datagram sent; longer lines are dropped and counted. */
  maxDatagramBytes: 65_000,
  connectTimeoutMs: 10_000,
})

export interface ForwarderOptions {
  /** `udp://h:p`, `tcp://h:p`, `tls://h:p`, or `h:p` (UDP). */
  target: string | Endpoint
  /** Extra TLS client options (ca, servername, rejectUnauthorized, cert/key for mutual TLS). */
  tls?: ConnectionOptions
  maxQueue?: number
  backoffInitialMs?: number
  backoffMaxMs?: number
}

export interface ForwarderStats {
  sent: number
  dropped: number
  connects: number
  errors: number
}

export class SyslogForwarder implements EventSink {
  readonly stats: ForwarderStats = { sent: 0, dropped: 0, connects: 0, errors: 0 }
  readonly target: Endpoint
  readonly #opts: Required<Omit<ForwarderOptions, 'target' | 'tls'>> & { tls?: ConnectionOptions }
  #queue: Buffer[] = []
  #head = 0
  #udp: UdpSocket | undefined
  #sock: Socket | undefined
  #connected = false
  #blocked = false
  #backoff: number
  #retry: NodeJS.Timeout | undefined
  #closed = false
  #drainWaiters: (() => void)[] = []

  /** `new SyslogForwarder('tcp://collector:601')` or with options. */
  constructor(optsOrTarget: ForwarderOptions | string) {
    const opts: ForwarderOptions = typeof optsOrTarget === 'string' ? { target: optsOrTarget } : optsOrTarget
    this.target = typeof opts.target === 'string' ? parseEndpoint(opts.target) : opts.target
    this.#opts = {
      maxQueue: opts.maxQueue ?? FORWARDER_DEFAULTS.maxQueue,
      backoffInitialMs: opts.backoffInitialMs ?? FORWARDER_DEFAULTS.backoffInitialMs,
      backoffMaxMs: opts.backoffMaxMs ?? FORWARDER_DEFAULTS.backoffMaxMs,
      tls: opts.tls,
    }
    this.#backoff = this.#opts.backoffInitialMs
    if (this.target.proto === 'udp') {
      this.#udp = createSocket(isIPv6(this.target.host) ? 'udp6' : 'udp4')
      this.#udp.on('error', () => this.stats.errors++)
      this.#udp.unref()
    } else this.#connect()
  }

  get queued(): number {
    return this.#queue.length - this.#head
  }

  write(ev: DecnetEvent): void {
    this.writeLine(formatEvent(ev))
  }

  writeLine(line: string): void {
    if (this.#closed) {
      this.stats.dropped++
      return
    }
    const bytes = Buffer.from(line, 'utf8')
    if (this.#udp) {
      if (bytes.length > FORWARDER_DEFAULTS.maxDatagramBytes) {
        this.stats.dropped++
        return
      }
      this.#udp.send(bytes, this.target.port, this.target.host, (err) => {
        if (err) this.stats.errors++
        else this.stats.sent++
      })
      return
    }
    if (this.queued >= this.#opts.maxQueue) {
      this.stats.dropped++
      return
    }
    this.#queue.push(Buffer.concat([Buffer.from(`${bytes.length} `, 'latin1'), bytes]))
    this.#pump()
  }

  /** Resolves when the queue is empty (written to the socket) or after timeoutMs. */
  drain(timeoutMs = 5000): Promise<boolean> {
    if (this.queued === 0 && !this.#blocked) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#drainWaiters = this.#drainWaiters.filter((w) => w !== done)
        resolve(false)
      }, timeoutMs)
      const done = () => {
        clearTimeout(timer)
        resolve(true)
      }
      this.#drainWaiters.push(done)
    })
  }

  /** Tries to send what is queued (up to timeoutMs), then closes. Unsent lines count as dropped. */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.#closed) return
    if (this.#sock) await this.drain(timeoutMs)
    this.#closed = true
    if (this.#retry) clearTimeout(this.#retry)
    this.stats.dropped += this.queued
    this.#queue = []
    this.#head = 0
    if (this.#udp) await new Promise<void>((r) => this.#udp!.close(() => r()))
    const sock = this.#sock
    if (sock && !sock.destroyed) await new Promise<void>((r) => sock.end(() => r()))
    sock?.destroy()
  }

  #connect(): void {
    if (this.#closed) return
    const { host, port, proto } = this.target
    const sock =
      proto === 'tls'
        ? tlsConnect({ host, port, servername: isIPv6(host) || /^[\d.]+$/.test(host) ? undefined : host, ...this.#opts.tls })
        : netConnect({ host, port })
    this.#sock = sock
    sock.setNoDelay(true)
    sock.setTimeout(FORWARDER_DEFAULTS.connectTimeoutMs, () => {
      if (!this.#connected) sock.destroy(new Error('connect timeout'))
    })
    sock.once(proto === 'tls' ? 'secureConnect' : 'connect', () => {
      sock.setTimeout(0)
      this.#connected = true
      this.#blocked = false
      this.#backoff = this.#opts.backoffInitialMs
      this.stats.connects++
      this.#pump()
    })
    sock.on('drain', () => {
      this.#blocked = false
      this.#pump()
    })
    sock.on('data', () => {}) // a collector has nothing to say; ignore it
    sock.on('error', () => this.stats.errors++)
    sock.on('close', () => {
      if (this.#sock !== sock) return
      this.#sock = undefined
      this.#connected = false
      this.#blocked = false
      if (this.#closed) return
      this.#retry = setTimeout(() => this.#connect(), this.#backoff)
      this.#retry.unref()
      this.#backoff = Math.min(this.#backoff * 2, this.#opts.backoffMaxMs)
    })
  }

  #pump(): void {
    const sock = this.#sock
    if (!sock || !this.#connected || this.#blocked) return
    while (this.#head < this.#queue.length) {
      const frame = this.#queue[this.#head]!
      this.#head++
      this.stats.sent++
      if (!sock.write(frame)) {
        this.#blocked = true
        break
      }
    }
    if (this.#head === this.#queue.length) {
      this.#queue = []
      this.#head = 0
    } else if (this.#head > 4096) {
      this.#queue = this.#queue.slice(this.#head)
      this.#head = 0
    }
    if (this.queued === 0 && !this.#blocked) {
      const waiters = this.#drainWaiters
      this.#drainWaiters = []
      for (const w of waiters) w()
    }
  }
}
