// Runs one emulator and keeps it running: a failed start or a crash is logged
// as `service_error` and retried with backoff. One service's failure never
// ends the decky or the fleet. Each attempt runs in its own ListenerScope:
// when it fails, times out or the service stops, every socket of that attempt
// is closed, so a retry can always bind and a stopped service holds no port.
import { Severity } from '../events/event.js'
import type { EmulatorFactory, Honeypot } from './context.js'
import type { ListenerScope } from './listeners.js'
import { asError, serviceScope } from './scope.js'
import type { ServiceContext } from './service-context.js'
import { StartGate } from './start-gate.js'

export { asError, serviceScope } from './scope.js'

export const BACKOFF_MS = Object.freeze({ first: 500, max: 30_000 })
/** A start that has not finished by then counts as failed (measured from when it got a start slot). */
export const START_TIMEOUT_MS = 10_000
const STOP_TIMEOUT_MS = 5_000

export type ServiceState = 'starting' | 'running' | 'backoff' | 'stopped' | 'unavailable'

export interface SupervisorOptions {
  /** Limits how many services start at once (shared by every supervisor of a process). */
  gate?: StartGate
  startTimeoutMs?: number
}

/** Without a gate of their own, supervisors of one process share this one. */
const processGate = new StartGate(4)

export class ServiceSupervisor {
  state: ServiceState = 'stopped'
  restarts = 0
  lastError: string | undefined
  /** errno-style code of the last failure (EADDRINUSE, EACCES, …), when it had one. */
  lastErrorCode: string | undefined
  /** The last failure itself (listen errors carry .address and .port). */
  lastFailure: Error | undefined
  #honeypot: Honeypot | undefined
  #scope: ListenerScope | undefined
  #timer: NodeJS.Timeout | undefined
  #backoff: number = BACKOFF_MS.first
  #stopping = false
  /** Bumped by every attempt and by stop(): a late result of an older attempt is ignored. */
  #generation = 0
  readonly #gate: StartGate
  readonly #startTimeoutMs: number

  constructor(
    readonly ctx: ServiceContext,
    private readonly factory: EmulatorFactory,
    opts: SupervisorOptions = {},
  ) {
    this.#gate = opts.gate ?? processGate
    this.#startTimeoutMs = opts.startTimeoutMs ?? START_TIMEOUT_MS
  }

  get label(): string {
    return `${this.ctx.decky.name}/${this.ctx.service}`
  }

  /** What the current attempt has bound. */
  get bound(): ListenerScope['bound'] {
    return this.#scope?.bound ?? []
  }

  /** Resolves after the first attempt (success or scheduled retry). */
  async start(): Promise<boolean> {
    this.#stopping = false
    return this.#attempt()
  }

  async #attempt(): Promise<boolean> {
    const generation = ++this.#generation
    this.state = 'starting'
    const release = await this.#gate.acquire()
    try {
      if (this.#stopping || generation !== this.#generation) return false
      const { ctx, scope } = serviceScope.run(this, () => this.ctx.openScope())
      this.#scope = scope
      const hp = serviceScope.run(this, () => this.factory(ctx))
      this.#honeypot = hp
      await withTimeout(serviceScope.run(this, () => hp.start()), this.#startTimeoutMs, `${this.label}: start timed out`)
      if (this.#stopping || generation !== this.#generation) return false
      this.state = 'running'
      this.#backoff = BACKOFF_MS.first
      return true
    } catch (e) {
      if (generation !== this.#generation) return false
      await this.#failed(asError(e), 'start')
      return false
    } finally {
      release()
    }
  }

  /** Called when the service crashed after starting (uncaught error attributed to it). */
  async crashed(err: Error): Promise<void> {
    if (this.state !== 'running') return
    await this.#failed(err, 'crash')
  }

  async #failed(err: Error, phase: 'start' | 'crash'): Promise<void> {
    this.lastError = err.message
    this.lastErrorCode = (err as NodeJS.ErrnoException).code
    this.lastFailure = err
    this.ctx.events.emit('service_error', { phase, error: err.message, code: this.lastErrorCode, restarts: this.restarts }, { severity: Severity.ERROR })
    this.ctx.log.warn(`${phase} failed: ${err.message}`)
    await this.#closeAttempt()
    if (this.#stopping) return
    // A port we may not bind will not become bindable by retrying.
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      this.state = 'unavailable'
      return
    }
    this.state = 'backoff'
    const delay = this.#backoff
    this.#backoff = Math.min(this.#backoff * 2, BACKOFF_MS.max)
    this.#timer = setTimeout(() => {
      this.restarts++
      void this.#attempt()
    }, delay)
    this.#timer.unref()
  }

  /** Closes the attempt's sockets first (the port is free whatever the emulator does), then lets it release the rest. */
  async #closeAttempt(): Promise<void> {
    const hp = this.#honeypot
    const scope = this.#scope
    this.#honeypot = undefined
    this.#scope = undefined
    await scope?.close()
    if (!hp?.stop) return
    try {
      await withTimeout(hp.stop(), STOP_TIMEOUT_MS, 'stop timed out')
    } catch (e) {
      this.ctx.log.warn(`stop: ${asError(e).message}`)
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true
    this.#generation++
    clearTimeout(this.#timer)
    await this.#closeAttempt()
    this.state = 'stopped'
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}
