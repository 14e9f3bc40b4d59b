// The syslog collector: UDP (one datagram = one message), TCP (RFC 6587 octet
// counting or LF framing, per frame) and TLS (RFC 5425). Every message is
// parsed; events go to the sink, unreadable lines to its reject table.
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { createServer, isIPv6, type AddressInfo, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import type { DecnetEvent } from '../events/event.js'
import { parseLine } from '../syslog/parse.js'
import { StreamFramer } from './framing.js'
import type { Endpoint } from './listen.js'
import { silent, type LogFn } from '../log.js'

export const COLLECTOR_LIMITS = Object.freeze({
  /** Largest message accepted (frame or datagram). */
  maxMessageBytes: 64 * 1024,
  /** Concurrent TCP+TLS connections per listener. */
  maxConnections: 1024,
  /** Concurrent TCP+TLS connections from one source address (all listeners). */
  maxConnectionsPerIp: 64,
  /** A connection silent this long is closed. */
  idleTimeoutMs: 10 * 60_000,
  /** TLS handshake deadline. */
  handshakeTimeoutMs: 10_000,
  /** Longest prefix of an unreadable line kept in raw_lines. */
  maxRejectBytes: 4096,
})
export type CollectorLimits = { -readonly [K in keyof typeof COLLECTOR_LIMITS]: number }

/** Where parsed events and rejected lines go (the Ingester). */
export interface LineSink {
  write(ev: DecnetEvent, raw?: string): void
  reject(raw: string, peer: string, reason: string): void
}

export interface CollectorOptions {
  listen: Endpoint[]
  sink: LineSink
  /**
   * PEM certificate and key, required for tls:// listeners. With `ca`, clients
   * must present a certificate signed by it (mutual TLS, RFC 5425 §5.2).
   */
  tls?: { cert: string | Buffer; key: string | Buffer; ca?: string | Buffer }
  limits?: Partial<CollectorLimits>
  /** Where a listener's errors after startup go (default: nowhere; the CLI passes stderr). */
  log?: LogFn
}

export interface CollectorStats {
  messages: number
  parsed: number
  rejected: number
  oversize: number
  connections: number
  refused: number
}

type Listener = { endpoint: Endpoint; udp?: UdpSocket; server?: Server }

function peerOf(ip: string | undefined, port: number | undefined): string {
  if (!ip) return '?'
  return isIPv6(ip) ? `[${ip}]:${port ?? 0}` : `${ip}:${port ?? 0}`
}

export class Collector {
  readonly stats: CollectorStats = { messages: 0, parsed: 0, rejected: 0, oversize: 0, connections: 0, refused: 0 }
  readonly limits: CollectorLimits
  readonly #opts: CollectorOptions
  readonly #listeners: Listener[] = []
  readonly #sockets = new Set<Socket>()
  readonly #perIp = new Map<string, number>()
  readonly #log: LogFn

  constructor(opts: CollectorOptions) {
    this.#opts = opts
    this.#log = opts.log ?? silent
    this.limits = { ...COLLECTOR_LIMITS, ...opts.limits }
    if (opts.listen.some((e) => e.proto === 'tls') && !opts.tls) throw new Error('tls:// listener needs a certificate and key')
  }

  /** Handles one message (a datagram or a frame). */
  handle(buf: Buffer, peer: string): void {
    this.stats.messages++
    let end = buf.length
    while (end > 0 && (buf[end - 1] === 0x0a || buf[end - 1] === 0x0d || buf[end - 1] === 0)) end--
    const text = buf.toString('utf8', 0, end)
    const ev = parseLine(text)
    if (ev) {
      this.stats.parsed++
      this.#opts.sink.write(ev, text)
    } else {
      this.stats.rejected++
      this.#opts.sink.reject(text.slice(0, this.limits.maxRejectBytes), peer, 'unparsable')
    }
  }

  async start(): Promise<void> {
    try {
      for (const endpoint of this.#opts.listen) {
        const l: Listener = { endpoint }
        this.#listeners.push(l)
        if (endpoint.proto === 'udp') l.udp = await this.#startUdp(endpoint)
        else l.server = await this.#startStream(endpoint)
      }
    } catch (e) {
      await this.stop()
      throw e
    }
  }

  /** The bound endpoints (real ports when 0 was asked). */
  addresses(): Endpoint[] {
    return this.#listeners.map(({ endpoint, udp, server }) => {
      const a = (udp ? udp.address() : server?.address()) as AddressInfo | null
      return { ...endpoint, port: a?.port ?? endpoint.port }
    })
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy()
    this.#sockets.clear()
    await Promise.all(
      this.#listeners.map(
        (l) =>
          new Promise<void>((resolve) => {
            if (l.udp) l.udp.close(() => resolve())
            else if (l.server?.listening) l.server.close(() => resolve())
            else resolve()
          }),
      ),
    )
    this.#listeners.length = 0
  }

  #startUdp(e: Endpoint): Promise<UdpSocket> {
    const sock = createSocket({ type: isIPv6(e.host) ? 'udp6' : 'udp4', recvBufferSize: 4 * 1024 * 1024 })
    sock.on('message', (msg, rinfo) => {
      if (msg.length > this.limits.maxMessageBytes) {
        this.stats.oversize++
        return
      }
      this.handle(msg, peerOf(rinfo.address, rinfo.port))
    })
    return new Promise((resolve, reject) => {
      sock.once('error', reject)
      sock.bind(e.port, e.host, () => {
        sock.off('error', reject)
        sock.on('error', (err) => this.#log(`collector udp: ${err.message}`))
        resolve(sock)
      })
    })
  }

  #startStream(e: Endpoint): Promise<Server> {
    const onConn = (socket: Socket) => this.#onConnection(socket)
    const tls = this.#opts.tls
    const server =
      e.proto === 'tls'
        ? createTlsServer(
            { ...tls, handshakeTimeout: this.limits.handshakeTimeoutMs, ...(tls?.ca ? { requestCert: true, rejectUnauthorized: true } : {}) },
            onConn,
          )
        : createServer(onConn)
    server.maxConnections = this.limits.maxConnections
    server.on('drop', () => this.stats.refused++)
    // TLS handshake failures are a peer's problem, not ours.
    server.on('tlsClientError', (_err: Error, s: Socket) => s.destroy())
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(e.port, e.host, () => {
        server.off('error', reject)
        server.on('error', (err) => this.#log(`collector ${e.proto}: ${err.message}`))
        resolve(server)
      })
    })
  }

  #onConnection(socket: Socket): void {
    const ip = socket.remoteAddress ?? '?'
    const fromIp = (this.#perIp.get(ip) ?? 0) + 1
    if (fromIp > this.limits.maxConnectionsPerIp) {
      this.stats.refused++
      socket.destroy()
      return
    }
    this.#perIp.set(ip, fromIp)
    this.stats.connections++
    this.#sockets.add(socket)
    const peer = peerOf(socket.remoteAddress, socket.remotePort)
    const framer = new StreamFramer(this.limits.maxMessageBytes)
    socket.setTimeout(this.limits.idleTimeoutMs, () => socket.destroy())
    socket.on('error', () => socket.destroy())
    socket.on('close', () => {
      this.#sockets.delete(socket)
      const n = (this.#perIp.get(ip) ?? 1) - 1
      if (n > 0) this.#perIp.set(ip, n)
      else this.#perIp.delete(ip)
    })
    socket.on('data', (chunk: Buffer) => {
      const r = framer.push(chunk)
      for (const f of r.frames) this.handle(f, peer)
      if (r.error) {
        this.stats.oversize++
        this.#opts.sink.reject(r.error, peer, 'oversize')
        socket.destroy()
      }
    })
    socket.on('end', () => {
      const last = framer.end()
      if (last && last.length <= this.limits.maxMessageBytes) this.handle(last, peer)
      socket.end()
    })
  }
}
