// Builds the context of one service: identity, persona, events, artifacts,
// RNG, limits, and the ListenerScope factory. The runtime opens one scope per
// start attempt (ServiceContext.openScope) and closes it when the attempt
// fails or the service stops; the emulator sees a HoneypotContext whose
// listen calls land in that scope.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { eventTime, normalizeFields, Severity, type FieldInput } from '../events/event.js'
import type { EventSink } from '../events/sink.js'
import type { ServiceConfig } from '../config/model.js'
import type {
  ArtifactStore, DeckyIdentity, EmitOptions, EventLog, HoneypotContext, Logger, ServiceBase, ServiceLimits,
} from './context.js'
import { Admission, ListenerScope } from './listeners.js'
import type { SeededRng } from './rng.js'

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
  log?: Logger
}

/** One start attempt's sockets, and the context the emulator sees for it. */
export interface ScopedContext {
  readonly ctx: HoneypotContext
  readonly scope: ListenerScope
}

/** The runtime's side of a service: the emulator's context without sockets, and scopes for its starts. */
export interface ServiceContext extends ServiceBase {
  /** A fresh ListenerScope and the HoneypotContext bound to it (one per start attempt). */
  openScope(): ScopedContext
}

export const silentLogger: Logger = { debug() {}, warn() {} }

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

export function createContext(o: ContextOptions): ServiceContext {
  const events = createEventLog(o.sink, o.decky.name, o.service)
  const log = o.log ?? silentLogger
  const port = (declared: number) => o.portMap?.get(declared) ?? declared + (o.portOffset ?? 0)
  const admission = new Admission(o.limits)
  let stateReady: Promise<string> | undefined
  const base: ServiceBase = {
    decky: o.decky,
    service: o.service,
    config: Object.freeze({ ...o.config }),
    bindAddress: o.bindAddress,
    port,
    events,
    artifacts: o.artifacts(events),
    rng: o.rng,
    deckyRng: o.deckyRng,
    limits: o.limits,
    stateDir: () => (stateReady ??= mkdir(o.stateDir, { recursive: true, mode: 0o700 }).then(() => o.stateDir)),
    log,
  }
  return {
    ...base,
    openScope(): ScopedContext {
      const scope = new ListenerScope({ bindAddress: o.bindAddress, port, events, limits: o.limits, admission, log })
      const ctx: HoneypotContext = {
        ...base,
        listenTcp: (declared, onSession, opts) => scope.listenTcp(declared, onSession, opts),
        listenTls: (declared, tls, onSession, opts) => scope.listenTls(declared, tls, onSession, opts),
        upgradeTls: (socket, session, tls) => scope.upgradeTls(socket, session, tls),
        listenUdp: (declared, onDatagram, opts) => scope.listenUdp(declared, onDatagram, opts),
      }
      return { ctx, scope }
    },
  }
}

export function serviceStateDir(home: string, decky: string, service: string): string {
  return join(home, 'state', decky, service)
}
