// What an emulator gets from the runtime. Emulators do wire work only; the
// context supplies identity, persona, randomness, limits, events and storage.
import type { Socket } from 'node:net'
import type { DecnetEvent, FieldInput, Severity } from '../events/event.js'
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
}

export interface ArtifactInput {
  /** Name the attacker gave (sanitized by the store; never used as a path as-is). */
  name: string
  data: Buffer
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
}

export interface HoneypotContext {
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
  /**
   * Admit a TCP connection: enforces connection caps and the idle timeout,
   * emits `connect` (and later `disconnect`), catches socket errors. Returns
   * undefined when the connection was refused (socket already destroyed).
   */
  accept(socket: Socket, opts?: { quiet?: boolean }): Session | undefined
  /** Internal diagnostics (not attacker events). */
  readonly log: { debug(msg: string): void; warn(msg: string): void }
}

export interface Honeypot {
  start(): Promise<void>
  stop(): Promise<void>
}

export type EmulatorFactory = (ctx: HoneypotContext) => Honeypot
