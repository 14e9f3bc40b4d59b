// What an emulator gets from the runtime. Emulators do wire work only; the
// context supplies identity, persona, randomness, limits, events and storage.
import type { Socket } from 'node:net'
import type { SecureContext, TLSSocket, TLSSocketOptions } from 'node:tls'
import type { FieldInput, Severity } from '../events/event.js'
import type { SeededRng } from './rng.js'
import type { ServiceConfig } from '../config/model.js'

export interface DeckyIdentity {
  /** Internal name (syslog HOSTNAME); not for the wire. */
  name: string
  /** Persona hostname the decky claims on the wire. */
  hostname: string
  ip: string
  /** linux | windows | windows_server | bsd | embedded | cisco */
  osFamily: string
  distro: string
}

export interface Peer {
  ip: string
  port: number
}

export interface EmitOptions {
  severity?: Severity
  msg?: string
}

export interface EventLog {
  /**
   * The one way to emit an event. The runtime adds time, decky and service.
   * Pass src_ip/src_port for peer events; Session.emit does that for you.
   * null/undefined fields are dropped.
   */
  emit(type: string, fields?: Record<string, FieldInput>, opts?: EmitOptions): void
}

export interface ServiceLimits {
  /** Concurrent connections per service. */
  maxConnections: number
  /** Concurrent connections per source IP per service. */
  maxConnectionsPerIp: number
  /** Idle time before a connection is closed. */
  idleTimeoutMs: number
  /** Longest line a line-based protocol accepts. */
  maxLineBytes: number
  /** Largest frame/packet/PDU a binary protocol accepts. */
  maxFrameBytes: number
  /** Longest a session may last in total. */
  maxSessionMs: number
  /**
   * The longest any TCP connection may stay without logging in (calling
   * session.authenticated()): caps each protocol's own deadline, and is the
   * deadline of protocols that declare none.
   */
  maxHandshakeMs: number
  /** UDP: datagrams a source (address and port) may send per second; the rest are dropped. */
  udpDatagramsPerSecond: number
  /** UDP: reply bytes per source per second, so a decky is never a useful reflector. */
  udpReplyBytesPerSecond: number
}

export interface ArtifactInput {
  /** Name the attacker gave (sanitized by the store; never used as a path as-is). */
  name: string
  data: Buffer
  /**
   * The emulator already cut the upload (it was longer than `data`): the
   * artifact is marked truncated even when `data` fits the per-file cap.
   */
  truncated?: boolean
  /** Logical size when the emulator cut the upload (event field `orig_size`). */
  originalSize?: number
  peer?: Peer
  /** Extra event fields, e.g. { transport: 'sftp', ssh_user: 'root' }. */
  fields?: Record<string, FieldInput>
}

export interface ArtifactRecord {
  sha256: string
  size: number
  /** Basename in the quarantine: <UTC time>_<sha12>_<safe name> */
  storedAs: string
  /** Absolute path on this host. */
  path: string
  truncated: boolean
}

export interface ArtifactStore {
  /** Stores a file (capped), emits an `artifact` event; undefined when the decky quota is spent. */
  save(input: ArtifactInput): Promise<ArtifactRecord | undefined>
  /** Per-file cap in bytes; emulators stop buffering past this. */
  readonly maxFileBytes: number
  /** Charge n bytes kept outside the quarantine (session transcripts) to the decky's quota; false when it is spent. */
  reserve(n: number): Promise<boolean>
}

/** One accepted connection: limits applied, events tagged with the peer. */
export interface Session {
  readonly id: string
  readonly peer: Peer
  /** Local port the peer connected to. */
  readonly localPort: number
  emit(type: string, fields?: Record<string, FieldInput>, opts?: EmitOptions): void
  /** Reset the idle timer (the runtime also does so on every data event of the socket). */
  touch(): void
  /** Close the connection (destroy the socket) and emit `disconnect` once. */
  close(reason?: string): void
  readonly closed: boolean
  /**
   * The peer logged in (or otherwise finished the protocol's handshake): the
   * handshake deadline no longer applies, and a full service no longer
   * drops this connection to admit another.
   */
  authenticated(): void
}

/** Internal diagnostics (not attacker events). */
export interface Logger {
  debug(msg: string): void
  warn(msg: string): void
}

/** A port the runtime bound for a service. */
export interface BoundListener {
  proto: 'tcp' | 'udp'
  /** The port the plugin declares (80). */
  declared: number
  /** The port actually bound (after --port-offset, or the test's free port). */
  port: number
  address: string
  tls?: boolean
}

export interface TcpListenOptions {
  /** No connect/disconnect events (a port whose protocol logs its own). */
  quiet?: boolean
  /**
   * The protocol's own pre-authentication deadline (sshd's LoginGraceTime):
   * a connection that has not called session.authenticated() by then is
   * closed with `handshakeReason` (default `handshake_timeout`).
   */
  handshakeTimeoutMs?: number
  handshakeReason?: string
  /** TCP_NODELAY on every accepted socket. */
  noDelay?: boolean
  /** Set by listenTls: the `connect` event says so. */
  tls?: boolean
}

/** TLS settings of a listener or an upgrade: node's TLSSocket options (isServer is implied). */
export type TlsServerOptions = Omit<TLSSocketOptions, 'isServer'> & { secureContext?: SecureContext }

/** Gets an admitted connection; the runtime has already emitted `connect`. */
export type TcpSessionHandler = (socket: Socket, session: Session) => void
export type TlsSessionHandler = (tls: TLSSocket, session: Session) => void

/** One datagram from a UDP flow (source address + port). */
export interface Datagram {
  readonly data: Buffer
  readonly peer: Peer
  readonly localPort: number
  /** The flow's id: the `session` of its `connect` event. */
  readonly flow: string
  /** Sends to the peer; false (and nothing sent) when the flow's reply budget is spent. */
  reply(data: Buffer): boolean
  /** Emit with this peer's src_ip/src_port. */
  emit(type: string, fields?: Record<string, FieldInput>, opts?: EmitOptions): void
}

export type DatagramHandler = (d: Datagram) => void | Promise<void>

export interface UdpListenOptions {
  /** Larger datagrams are dropped unread (default limits.maxFrameBytes). */
  maxDatagramBytes?: number
  quiet?: boolean
}

/**
 * The sockets of a service. Every listener and session opened through these
 * belongs to the service's current start: the runtime closes them all when
 * the start fails or times out and when the service stops.
 */
export interface Listening {
  /** Listen on a declared port (the runtime maps it: --port-offset, tests). */
  listenTcp(declared: number, onSession: TcpSessionHandler, opts?: TcpListenOptions): Promise<BoundListener>
  /** Implicit TLS (443, 636, 993, 995, 465, 6443, 2376): the handshake, then onSession with the TLS socket. A function is asked per connection (certificate renewal). */
  listenTls(declared: number, tls: TlsServerOptions | (() => TlsServerOptions), onSession: TlsSessionHandler, opts?: TcpListenOptions): Promise<BoundListener>
  /** STARTTLS and in-protocol upgrades: wrap an admitted socket in server TLS. */
  upgradeTls(socket: Socket, session: Session, tls: TlsServerOptions): TLSSocket
  listenUdp(declared: number, onDatagram: DatagramHandler, opts?: UdpListenOptions): Promise<BoundListener>
}

/** Everything of a service's context except its sockets. */
export interface ServiceBase {
  readonly decky: DeckyIdentity
  /** Service slug. */
  readonly service: string
  /** Persona keys validated through the plugin's configSchema, defaults applied. */
  readonly config: Readonly<ServiceConfig>
  /** Address to bind (the decky's IP on this host). */
  readonly bindAddress: string
  /** The port to listen on for a declared port (applies --port-offset). */
  port(declared: number): number
  readonly events: EventLog
  readonly artifacts: ArtifactStore
  /** Stable per decky and service: ctx.rng is already forked by service slug. */
  readonly rng: SeededRng
  /**
   * Stable per decky, the same for all its services: for persona values that
   * several services must agree on (the Windows build smb and rdp claim).
   * Fork it by purpose: ctx.deckyRng.fork('windows/build').
   */
  readonly deckyRng: SeededRng
  readonly limits: ServiceLimits
  /** Data dir for this decky+service (keys, caches); created on demand. */
  stateDir(): Promise<string>
  /** Internal diagnostics (not attacker events). */
  readonly log: Logger
}

/** What an emulator gets: identity, persona, randomness, limits, events, storage and its sockets. */
export interface HoneypotContext extends ServiceBase, Listening {}

export interface Honeypot {
  /** Bind through ctx.listen*; resolves when the service answers. */
  start(): Promise<void>
  /** Release what the runtime does not own (timers, caches). Sockets are closed by the runtime. */
  stop?(): Promise<void>
}

export type EmulatorFactory = (ctx: HoneypotContext) => Honeypot
