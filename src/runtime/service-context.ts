// Builds the HoneypotContext one emulator gets: identity, persona, events,
// artifacts, RNG, limits, and connection admission (caps + idle timeout).
import { randomUUID } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Socket } from 'node:net'
import { eventTime, normalizeFields, Severity, type FieldInput } from '../events/event.js'
import type { ServiceConfig } from '../config/model.js'
import type { ArtifactStore, DeckyIdentity, EmitOptions, EventLog, HoneypotContext, Peer, ServiceLimits, Session } from './context.js'
import type { EventSink } from '../events/sink.js'
import type { SeededRng } from './rng.js'
import { asError, serviceScope } from './supervisor.js'

export interface ContextOptions {
  decky: DeckyIdentity
  service: string
  config: ServiceConfig
  bindAddress: string
  /** declared port → real port. Missing ports map to declared + portOffset. */
  portMap?: Map<number, number>
  portOffset?: number
  sink: EventSink
  rng: SeededRng
  deckyRng: SeededRng
  limits: ServiceLimits
  /** Folder for this decky+service's state (keys, caches). */
  stateDir: string
  /** Artifact store factory: gets the context's event log. */
  artifacts: (events: EventLog) => ArtifactStore
  log?: { debug(msg: string): void; warn(msg: string): void }
}

/** Normalise an address the way the peer sees it (::ffff:1.2.3.4 → 1.2.3.4). */
export function peerOf(socket: Socket): Peer {
  const raw = socket.remoteAddress ?? ''
  return { ip: raw.startsWith('::ffff:') ? raw.slice(7) : raw, port: socket.remotePort ?? 0 }
}

export function createEventLog(sink: EventSink, decky: string, service: string): EventLog {
  return {
    emit(type: string, fields: Record<string, FieldInput> = {}, opts: EmitOptions = {}) {
      sink.write({
        time: eventTime(),
        decky,
        service,
        type,
        severity: opts.severity ?? Severity.INFO,
        fields: normalizeFields(fields),
        ...(opts.msg ? { msg: opts.msg } : {}),
      })
    },
  }
}

export function createContext(o: ContextOptions): HoneypotContext {
  const events = createEventLog(o.sink, o.decky.name, o.service)
  const perIp = new Map<string, number>()
  let open = 0
  const log = o.log ?? { debug() {}, warn: (m: string) => process.stderr.write(`decnet: ${o.decky.name}/${o.service}: ${m}\n`) }

  function accept(socket: Socket, opts: { quiet?: boolean } = {}): Session | undefined {
    const peer = peerOf(socket)
    const localPort = socket.localPort ?? 0
    socket.on('error', () => {}) // resets and timeouts are normal here; close() reports
    guardSocket(socket, (e) => {
      events.emit('service_error', { phase: 'session', error: e.message, src_ip: peer.ip, src_port: peer.port }, { severity: Severity.ERROR })
      log.warn(`session error from ${peer.ip}:${peer.port}: ${e.stack ?? e.message}`)
      socket.destroy()
    })
    const ipCount = perIp.get(peer.ip) ?? 0
    if (open >= o.limits.maxConnections || ipCount >= o.limits.maxConnectionsPerIp) {
      events.emit('connection_refused', {
        src_ip: peer.ip, src_port: peer.port, dst_port: localPort,
        reason: open >= o.limits.maxConnections ? 'max_connections' : 'max_connections_per_ip',
      }, { severity: Severity.WARNING })
      socket.destroy()
      return undefined
    }
    open++
    perIp.set(peer.ip, ipCount + 1)
    const id = randomUUID()
    const started = Date.now()
    let closed = false
    let bytesIn = 0

    const emit = (type: string, fields: Record<string, FieldInput> = {}, eo?: EmitOptions) =>
      events.emit(type, { src_ip: peer.ip, src_port: peer.port, ...fields }, eo)

    const finish = (reason: string) => {
      if (closed) return
      closed = true
      open--
      const left = (perIp.get(peer.ip) ?? 1) - 1
      if (left <= 0) perIp.delete(peer.ip)
      else perIp.set(peer.ip, left)
      clearTimeout(sessionTimer)
      if (!opts.quiet) emit('disconnect', { duration_ms: Date.now() - started, bytes_in: bytesIn, reason })
    }

    socket.setTimeout(o.limits.idleTimeoutMs, () => {
      finish('idle_timeout')
      socket.destroy()
    })
    const sessionTimer = setTimeout(() => {
      finish('session_timeout')
      socket.destroy()
    }, o.limits.maxSessionMs)
    sessionTimer.unref()
    socket.on('data', (d: Buffer) => {
      bytesIn += d.length
    })
    socket.once('close', () => finish('closed'))

    if (!opts.quiet) emit('connect', { dst_port: localPort, session: id })
    const session: Session = {
      id,
      peer,
      localPort,
      emit,
      touch: () => socket.setTimeout(o.limits.idleTimeoutMs),
      close: (reason = 'server_close') => {
        finish(reason)
        socket.destroy()
      },
      get closed() {
        return closed
      },
    }
    return session
  }

  let stateReady: Promise<string> | undefined
  return {
    decky: o.decky,
    service: o.service,
    config: Object.freeze({ ...o.config }),
    bindAddress: o.bindAddress,
    port: (declared: number) => o.portMap?.get(declared) ?? declared + (o.portOffset ?? 0),
    events,
    artifacts: o.artifacts(events),
    rng: o.rng,
    deckyRng: o.deckyRng,
    limits: o.limits,
    stateDir: () => (stateReady ??= mkdir(o.stateDir, { recursive: true, mode: 0o700 }).then(() => o.stateDir)),
    accept,
    log,
  }
}

/**
 * One connection's bug costs that connection only: an exception thrown by a
 * listener of this socket is caught and reported instead of reaching
 * 'uncaughtException'. Listeners also run in the service's scope (Node does
 * not carry AsyncLocalStorage into an accepted socket's events), so timers and
 * promises they create stay attributed to the service.
 */
function guardSocket(socket: Socket, onError: (e: Error) => void): void {
  const scope = serviceScope.getStore()
  const original = socket.emit as (this: Socket, event: string | symbol, ...args: unknown[]) => boolean
  const guarded = function (this: Socket, event: string | symbol, ...args: unknown[]): boolean {
    try {
      return scope ? serviceScope.run(scope, () => original.apply(this, [event, ...args])) : original.apply(this, [event, ...args])
    } catch (e) {
      onError(asError(e))
      return false
    }
  }
  socket.emit = guarded as Socket['emit']
}

export function serviceStateDir(home: string, decky: string, service: string): string {
  return join(home, 'state', decky, service)
}
