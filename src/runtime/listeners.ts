// Every socket an emulator uses is made, tracked and closed here. A service's
// start runs inside one ListenerScope; when that start fails or times out, or
// the service stops, the scope closes every server it bound and ends every
// session, and any listen() that completes afterwards is closed at once. So a
// restart can always bind again and a stopped service holds no port.
//
// TCP: admission (per-service and per-source caps), idle and session timers,
// connect/disconnect events, one connection's exception costs that connection.
// TLS: the same, with the handshake on top (implicit-TLS ports) or started
// mid-protocol (STARTTLS, RDP's X.224 → TLS) through upgradeTls().
// UDP: a flow per source address and port with the same caps, a datagram and
// a reply-byte budget per flow (a decky must not become a reflector), and
// connect/disconnect events for the first datagram and the flow's expiry.
import { randomUUID } from 'node:crypto'
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { createServer, isIPv6, type Server, type Socket } from 'node:net'
import { TLSSocket, type TLSSocketOptions } from 'node:tls'
import { Severity, type FieldInput } from '../events/event.js'
import type {
  BoundListener, Datagram, DatagramHandler, EmitOptions, EventLog, Logger, Peer, ServiceLimits, Session,
  TcpListenOptions, TcpSessionHandler, TlsServerOptions, TlsSessionHandler, UdpListenOptions,
} from './context.js'
import { asError, serviceScope } from './scope.js'
import type { ServiceSupervisor } from './supervisor.js'

/** What admission knows of an open connection, to pick one to drop when the service is full. */
export interface AdmittedConnection {
  readonly ip: string
  /** Last time the peer sent anything. */
  lastActive: number
  /** Not yet authenticated: may be dropped for a newcomer. */
  preAuth: boolean
  evict(): void
}

/**
 * Per-service connection counts, shared by every attempt of the service.
 * Fair slots: when the service is full, the oldest idle pre-auth connection
 * of the busiest source is dropped for the newcomer, so a few sources that
 * hold slots open (keepalives, slow handshakes) cannot lock everyone out.
 */
export class Admission {
  readonly #perIp = new Map<string, Set<AdmittedConnection>>()
  #open = 0
  constructor(private readonly limits: ServiceLimits) {}

  get open(): number {
    return this.#open
  }

  /** A reason to refuse, or undefined after counting the connection in (dropping another one if the service was full). */
  admit(conn: AdmittedConnection): 'max_connections' | 'max_connections_per_ip' | undefined {
    const mine = this.#perIp.get(conn.ip)
    if ((mine?.size ?? 0) >= this.limits.maxConnectionsPerIp) return 'max_connections_per_ip'
    if (this.#open >= this.limits.maxConnections) {
      const victim = this.#victim()
      if (!victim) return 'max_connections'
      victim.evict()
      this.release(victim)
    }
    this.#open++
    const set = mine ?? new Set<AdmittedConnection>()
    set.add(conn)
    this.#perIp.set(conn.ip, set)
    return undefined
  }

  /** The oldest idle pre-auth connection of the source holding the most connections. */
  #victim(): AdmittedConnection | undefined {
    let busiest: Set<AdmittedConnection> | undefined
    for (const set of this.#perIp.values()) {
      if (![...set].some((c) => c.preAuth)) continue
      if (!busiest || set.size > busiest.size) busiest = set
    }
    let victim: AdmittedConnection | undefined
    for (const c of busiest ?? []) if (c.preAuth && (!victim || c.lastActive < victim.lastActive)) victim = c
    return victim
  }

  /** Idempotent. */
  release(conn: AdmittedConnection): void {
    const set = this.#perIp.get(conn.ip)
    if (!set?.delete(conn)) return
    this.#open--
    if (set.size === 0) this.#perIp.delete(conn.ip)
  }
}

/** Normalise an address the way the peer sees it (::ffff:1.2.3.4 → 1.2.3.4). */
export function normalizeIp(raw: string | undefined): string {
  const ip = raw ?? ''
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip
}

export function peerOf(socket: Socket): Peer {
  return { ip: normalizeIp(socket.remoteAddress), port: socket.remotePort ?? 0 }
}

export interface ScopeDeps {
  bindAddress: string
  port(declared: number): number
  events: EventLog
  limits: ServiceLimits
  admission: Admission
  log: Logger
}

/** Thrown by listen calls of a scope that was closed (a timed-out start that carried on). */
export class ScopeClosedError extends Error {
  constructor() {
    super('the service was stopped while this listener was being opened')
    this.name = 'ScopeClosedError'
  }
}

interface TrackedSession {
  socket: Socket
  session: Session
}

export class ListenerScope {
  readonly #servers = new Set<Server>()
  readonly #udp = new Set<UdpListener>()
  readonly #sessions = new Set<TrackedSession>()
  readonly #bound: BoundListener[] = []
  /** The supervisor this scope's callbacks are attributed to (crash guard). */
  readonly #owner: ServiceSupervisor | undefined
  #closed = false

  constructor(private readonly d: ScopeDeps) {
    this.#owner = serviceScope.getStore()
  }

  get closed(): boolean {
    return this.#closed
  }

  /** What is bound right now. */
  get bound(): readonly BoundListener[] {
    return this.#bound
  }

  get sessionCount(): number {
    return this.#sessions.size
  }

  #inScope<T>(fn: () => T): T {
    return this.#owner ? serviceScope.run(this.#owner, fn) : fn()
  }

  listenTcp(declared: number, onSession: TcpSessionHandler, opts: TcpListenOptions = {}): Promise<BoundListener> {
    const server = createServer({ noDelay: opts.noDelay ?? false }, (socket) => this.#inScope(() => {
      const session = this.#admit(socket, opts)
      if (!session) return
      try {
        onSession(socket, session)
      } catch (e) {
        session.emit('protocol_error', { error: asError(e).message.slice(0, 200) })
        session.close('protocol')
      }
    }))
    return this.#listen(server, declared, 'tcp', opts.tls === true)
  }

  listenTls(declared: number, tls: TlsServerOptions | (() => TlsServerOptions), onSession: TlsSessionHandler, opts: TcpListenOptions = {}): Promise<BoundListener> {
    return this.listenTcp(declared, (socket, session) => {
      const secure = this.upgradeTls(socket, session, typeof tls === 'function' ? tls() : tls)
      onSession(secure, session)
    }, { ...opts, tls: true })
  }

  /**
   * Starts a server-side TLS handshake on an admitted socket: implicit TLS, or
   * STARTTLS once the protocol asked for it (give the socket with nothing of the
   * plaintext left unread). Emits `tls_handshake` (version, cipher, SNI, ALPN)
   * or `tls_handshake_failed`; the session ends with the TLS connection.
   */
  upgradeTls(socket: Socket, session: Session, options: TlsServerOptions): TLSSocket {
    const tls = new TLSSocket(socket, { ...(options as TLSSocketOptions), isServer: true })
    guardEmitter(tls, this.#owner, (e) => this.#sessionError(session, tls, e))
    let secure = false
    tls.on('error', (e: Error) => {
      if (!secure) session.emit('tls_handshake_failed', { error: e.message.slice(0, 200) }, { severity: Severity.WARNING })
      session.close(secure ? 'tls_error' : 'tls_handshake_failed')
    })
    // TLS reads the handle itself: the raw socket sees no more 'data', so the idle timer is kept here
    tls.on('data', () => session.touch())
    tls.once('close', () => session.close('closed'))
    tls.once('secure', () => {
      secure = true
      session.touch()
      const alpn = tls.alpnProtocol
      session.emit('tls_handshake', {
        tls_version: tls.getProtocol() ?? undefined,
        cipher: tls.getCipher()?.name,
        sni: (tls as TLSSocket & { servername?: string | false }).servername || undefined,
        alpn: typeof alpn === 'string' ? alpn : undefined,
      })
    })
    return tls
  }

  async listenUdp(declared: number, onDatagram: DatagramHandler, opts: UdpListenOptions = {}): Promise<BoundListener> {
    if (this.#closed) throw new ScopeClosedError()
    const socket = createSocket({ type: isIPv6(this.d.bindAddress) ? 'udp6' : 'udp4' })
    const listener = new UdpListener(socket, this.d, onDatagram, opts, (fn) => this.#inScope(fn))
    this.#udp.add(listener)
    const port = this.d.port(declared)
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject)
        socket.bind(port, this.d.bindAddress, () => {
          socket.off('error', reject)
          resolve()
        })
      })
    } catch (e) {
      this.#udp.delete(listener)
      listener.close()
      throw withAddress(asError(e), this.d.bindAddress, port)
    }
    if (this.#closed) {
      listener.close()
      throw new ScopeClosedError()
    }
    listener.start()
    const b: BoundListener = { proto: 'udp', declared, port: socket.address().port, address: this.d.bindAddress }
    this.#bound.push(b)
    return b
  }

  async #listen(server: Server, declared: number, proto: 'tcp', tls: boolean): Promise<BoundListener> {
    if (this.#closed) throw new ScopeClosedError()
    this.#servers.add(server)
    const port = this.d.port(declared)
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen({ port, host: this.d.bindAddress, exclusive: true }, () => {
          server.off('error', reject)
          resolve()
        })
      })
    } catch (e) {
      this.#servers.delete(server)
      server.close()
      throw withAddress(asError(e), this.d.bindAddress, port)
    }
    server.on('error', (e) => this.d.log.warn(`listener ${this.d.bindAddress}:${port}: ${e.message}`))
    if (this.#closed) {
      await closeServer(server)
      throw new ScopeClosedError()
    }
    const addr = server.address()
    const b: BoundListener = { proto, declared, port: typeof addr === 'object' && addr ? addr.port : port, address: this.d.bindAddress, ...(tls ? { tls } : {}) }
    this.#bound.push(b)
    return b
  }

  /** Admit a TCP connection: caps, timers, events, error containment. */
  #admit(socket: Socket, opts: TcpListenOptions): Session | undefined {
    const { events, limits, admission } = this.d
    const peer = peerOf(socket)
    const localPort = socket.localPort ?? 0
    socket.on('error', () => {}) // resets and timeouts are normal here; close() reports
    if (this.#closed) {
      socket.destroy()
      return undefined
    }
    const id = randomUUID()
    const started = Date.now()
    let closed = false
    let bytesIn = 0
    const emit = (type: string, fields: Record<string, FieldInput> = {}, eo?: EmitOptions) =>
      events.emit(type, { src_ip: peer.ip, src_port: peer.port, ...fields }, eo)
    const conn: AdmittedConnection = {
      ip: peer.ip,
      lastActive: started,
      preAuth: true,
      evict: () => {
        emit('connection_evicted', { dst_port: localPort, idle_ms: Date.now() - conn.lastActive, reason: 'service_full' }, { severity: Severity.NOTICE })
        finish('evicted')
        socket.destroy()
      },
    }
    const refused = admission.admit(conn)
    if (refused) {
      events.emit('connection_refused', { src_ip: peer.ip, src_port: peer.port, dst_port: localPort, reason: refused }, { severity: Severity.WARNING })
      socket.destroy()
      return undefined
    }

    const tracked = { socket } as TrackedSession
    const finish = (reason: string) => {
      if (closed) return
      closed = true
      admission.release(conn)
      this.#sessions.delete(tracked)
      clearTimeout(sessionTimer)
      clearTimeout(handshakeTimer)
      if (!opts.quiet) emit('disconnect', { duration_ms: Date.now() - started, bytes_in: bytesIn, reason })
    }
    socket.setTimeout(limits.idleTimeoutMs, () => {
      finish('idle_timeout')
      socket.destroy()
    })
    const sessionTimer = setTimeout(() => {
      finish('session_timeout')
      socket.destroy()
    }, limits.maxSessionMs)
    sessionTimer.unref()
    // the protocol's login deadline, never longer than limits.maxHandshakeMs: no slot is held for ever before a login
    const ownDeadline = opts.handshakeTimeoutMs ?? Infinity
    const handshakeMs = Math.min(ownDeadline, limits.maxHandshakeMs)
    const handshakeTimer = setTimeout(() => {
      finish(ownDeadline <= limits.maxHandshakeMs ? (opts.handshakeReason ?? 'handshake_timeout') : 'handshake_timeout')
      socket.destroy()
    }, handshakeMs)
    handshakeTimer.unref()
    socket.on('data', (d: Buffer) => {
      bytesIn += d.length
      conn.lastActive = Date.now()
    })
    socket.once('close', () => finish('closed'))

    const session: Session = {
      id,
      peer,
      localPort,
      emit,
      touch: () => {
        conn.lastActive = Date.now()
        socket.setTimeout(limits.idleTimeoutMs)
      },
      close: (reason = 'server_close') => {
        finish(reason)
        socket.destroy()
      },
      get closed() {
        return closed
      },
      authenticated: () => {
        conn.preAuth = false
        clearTimeout(handshakeTimer)
      },
    }
    tracked.session = session
    this.#sessions.add(tracked)
    guardEmitter(socket, this.#owner, (e) => this.#sessionError(session, socket, e))
    if (opts.noDelay) socket.setNoDelay(true)
    if (!opts.quiet) emit('connect', { dst_port: localPort, session: id, ...(opts.tls ? { tls: true } : {}) })
    return session
  }

  #sessionError(session: Session, socket: Socket | TLSSocket, e: Error): void {
    session.emit('service_error', { phase: 'session', error: e.message }, { severity: Severity.ERROR })
    this.d.log.warn(`session error from ${session.peer.ip}:${session.peer.port}: ${e.stack ?? e.message}`)
    socket.destroy()
    session.close('service_error')
  }

  /** Closes every server and UDP socket and ends every session. Idempotent; later listen calls fail. */
  async close(reason = 'service_stop'): Promise<void> {
    this.#closed = true
    const servers = [...this.#servers]
    this.#servers.clear()
    const closing = servers.map(closeServer)
    for (const t of [...this.#sessions]) t.session.close(reason)
    for (const u of this.#udp) u.close(reason)
    this.#udp.clear()
    this.#bound.length = 0
    await Promise.all(closing)
  }
}

/** Resolves once the server is closed (at once, with an error we ignore, if it never listened). */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}

function withAddress(e: Error, address: string, port: number): Error {
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number }
  err.address ??= address
  err.port ??= port
  return err
}

/**
 * One connection's bug costs that connection only: an exception thrown by a
 * listener of this socket is caught and reported instead of reaching
 * 'uncaughtException'. Listeners also run in the service's scope (Node does
 * not carry AsyncLocalStorage into an accepted socket's events), so timers and
 * promises they create stay attributed to the service.
 */
function guardEmitter(socket: Socket, owner: ServiceSupervisor | undefined, onError: (e: Error) => void): void {
  const original = socket.emit as (this: Socket, event: string | symbol, ...args: unknown[]) => boolean
  const guarded = function (this: Socket, event: string | symbol, ...args: unknown[]): boolean {
    try {
      return owner ? serviceScope.run(owner, () => original.apply(this, [event, ...args])) : original.apply(this, [event, ...args])
    } catch (e) {
      onError(asError(e))
      return false
    }
  }
  socket.emit = guarded as Socket['emit']
}

// ---------------------------------------------------------------- UDP

interface Flow {
  id: string
  peer: Peer
  started: number
  last: number
  datagrams: number
  bytesIn: number
  bytesOut: number
  /** Token buckets, refilled by elapsed time. */
  datagramTokens: number
  replyTokens: number
  refilled: number
  dropped: number
  droppedReported: number
}

/** How often idle flows are swept. */
const FLOW_SWEEP_MS = 1_000
/** At most one refusal/rate event per this interval per listener or flow: a spoofed flood must not flood the store. */
const REPORT_EVERY_MS = 10_000

class UdpListener {
  readonly #flows = new Map<string, Flow>()
  readonly #perIp = new Map<string, number>()
  #sweep: NodeJS.Timeout | undefined
  #closed = false
  #refusedSince = 0
  #refusedReportedAt = 0

  constructor(
    private readonly socket: UdpSocket,
    private readonly d: ScopeDeps,
    private readonly onDatagram: DatagramHandler,
    private readonly opts: UdpListenOptions,
    private readonly inScope: <T>(fn: () => T) => T,
  ) {
    socket.on('error', (e) => d.log.warn(`udp listener: ${e.message}`))
  }

  start(): void {
    this.socket.on('message', (msg, rinfo) => this.inScope(() => this.#onMessage(msg, { ip: normalizeIp(rinfo.address), port: rinfo.port })))
    this.#sweep = setInterval(() => this.#expire(Date.now()), Math.min(FLOW_SWEEP_MS, this.d.limits.idleTimeoutMs))
    this.#sweep.unref()
  }

  #onMessage(data: Buffer, peer: Peer): void {
    if (this.#closed) return
    const now = Date.now()
    const { limits, events } = this.d
    const key = `${peer.ip}|${peer.port}`
    let flow = this.#flows.get(key)
    if (!flow) {
      const ipFlows = this.#perIp.get(peer.ip) ?? 0
      const reason = this.#flows.size >= limits.maxConnections ? 'max_connections' : ipFlows >= limits.maxConnectionsPerIp ? 'max_connections_per_ip' : undefined
      if (reason) {
        this.#refusedSince++
        if (now - this.#refusedReportedAt >= REPORT_EVERY_MS) {
          events.emit('connection_refused', { src_ip: peer.ip, src_port: peer.port, dst_port: this.localPort, transport: 'udp', reason, dropped: this.#refusedSince }, { severity: Severity.WARNING })
          this.#refusedReportedAt = now
          this.#refusedSince = 0
        }
        return
      }
      flow = {
        id: randomUUID(), peer, started: now, last: now, datagrams: 0, bytesIn: 0, bytesOut: 0,
        datagramTokens: limits.udpDatagramsPerSecond, replyTokens: limits.udpReplyBytesPerSecond, refilled: now, dropped: 0, droppedReported: 0,
      }
      this.#flows.set(key, flow)
      this.#perIp.set(peer.ip, ipFlows + 1)
      if (!this.opts.quiet) events.emit('connect', { src_ip: peer.ip, src_port: peer.port, dst_port: this.localPort, session: flow.id, transport: 'udp' })
    }
    this.#refill(flow, now)
    flow.last = now
    if (flow.datagramTokens < 1) {
      flow.dropped++
      if (now - flow.droppedReported >= REPORT_EVERY_MS) {
        events.emit('rate_limited', { src_ip: peer.ip, src_port: peer.port, dst_port: this.localPort, transport: 'udp', dropped: flow.dropped }, { severity: Severity.WARNING })
        flow.droppedReported = now
      }
      return
    }
    flow.datagramTokens--
    flow.datagrams++
    flow.bytesIn += data.length
    const maxBytes = this.opts.maxDatagramBytes ?? limits.maxFrameBytes
    if (data.length > maxBytes) return // larger than any request of the protocol: dropped, like a real agent
    const f = flow
    const emit = (type: string, fields: Record<string, FieldInput> = {}, eo?: EmitOptions) =>
      events.emit(type, { src_ip: peer.ip, src_port: peer.port, ...fields }, eo)
    const dgram: Datagram = {
      data,
      peer,
      localPort: this.localPort,
      flow: f.id,
      emit,
      reply: (out: Buffer) => this.#reply(f, out),
    }
    try {
      const r = this.onDatagram(dgram) as unknown
      if (r instanceof Promise) r.catch((e: unknown) => this.#datagramError(emit, e))
    } catch (e) {
      this.#datagramError(emit, e)
    }
  }

  #datagramError(emit: (t: string, f: Record<string, FieldInput>, o?: EmitOptions) => void, e: unknown): void {
    const err = asError(e)
    emit('service_error', { phase: 'datagram', error: err.message.slice(0, 200), transport: 'udp' }, { severity: Severity.ERROR })
    this.d.log.warn(`datagram handler: ${err.stack ?? err.message}`)
  }

  #refill(flow: Flow, now: number): void {
    const { limits } = this.d
    const secs = (now - flow.refilled) / 1000
    if (secs <= 0) return
    flow.datagramTokens = Math.min(limits.udpDatagramsPerSecond, flow.datagramTokens + secs * limits.udpDatagramsPerSecond)
    flow.replyTokens = Math.min(limits.udpReplyBytesPerSecond, flow.replyTokens + secs * limits.udpReplyBytesPerSecond)
    flow.refilled = now
  }

  #reply(flow: Flow, out: Buffer): boolean {
    if (this.#closed) return false
    this.#refill(flow, Date.now())
    if (out.length > flow.replyTokens) return false
    flow.replyTokens -= out.length
    flow.bytesOut += out.length
    this.socket.send(out, flow.peer.port, flow.peer.ip)
    return true
  }

  get localPort(): number {
    try {
      return this.socket.address().port
    } catch {
      return 0
    }
  }

  #end(key: string, flow: Flow, reason: string, now: number): void {
    this.#flows.delete(key)
    const left = (this.#perIp.get(flow.peer.ip) ?? 1) - 1
    if (left <= 0) this.#perIp.delete(flow.peer.ip)
    else this.#perIp.set(flow.peer.ip, left)
    if (!this.opts.quiet) {
      this.d.events.emit('disconnect', {
        src_ip: flow.peer.ip, src_port: flow.peer.port, transport: 'udp', session: flow.id, reason,
        duration_ms: now - flow.started, datagrams: flow.datagrams, bytes_in: flow.bytesIn, bytes_out: flow.bytesOut,
        ...(flow.dropped ? { dropped: flow.dropped } : {}),
      })
    }
  }

  #expire(now: number): void {
    const { idleTimeoutMs, maxSessionMs } = this.d.limits
    for (const [key, flow] of this.#flows) {
      if (now - flow.last >= idleTimeoutMs) this.#end(key, flow, 'idle_timeout', now)
      else if (now - flow.started >= maxSessionMs) this.#end(key, flow, 'session_timeout', now)
    }
  }

  close(reason = 'service_stop'): void {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#sweep)
    const now = Date.now()
    for (const [key, flow] of this.#flows) this.#end(key, flow, reason, now)
    try {
      this.socket.close()
    } catch {
      // never bound
    }
  }
}
