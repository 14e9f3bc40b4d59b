// Runs one emulator and keeps it running: a failed start or a crash is logged
// as `service_error` and retried with backoff. One service's failure never
// ends the decky or the fleet.
import { AsyncLocalStorage } from 'node:async_hooks'
import { Severity } from '../events/event.js'
import type { EmulatorFactory, Honeypot, HoneypotContext } from './context.js'

/** Which service is running the current callback, when Node keeps track of it. */
export const serviceScope = new AsyncLocalStorage<ServiceSupervisor>()

export const BACKOFF_MS = Object.freeze({ first: 500, max: 30_000 })
/** A start that has not finished by then counts as failed. */
export const START_TIMEOUT_MS = 10_000
const STOP_TIMEOUT_MS = 5_000

export type ServiceState = 'starting' | 'running' | 'backoff' | 'stopped' | 'unavailable'

export class ServiceSupervisor {
  state: ServiceState = 'stopped'
  restarts = 0
  lastError: string | undefined
  /** errno-style code of the last failure (EADDRINUSE, EACCES, …), when it had one. */
  lastErrorCode: string | undefined
  /** The last failure itself (listen errors carry .address and .port). */
  lastFailure: Error | undefined
  #honeypot: Honeypot | undefined
  #timer: NodeJS.Timeout | undefined
  #backoff: number = BACKOFF_MS.first
  #stopping = false

  constructor(
    readonly ctx: HoneypotContext,
    private readonly factory: EmulatorFactory,
  ) {}

  get label(): string {
    return `${this.ctx.decky.name}/${this.ctx.service}`
  }

  /** Resolves after the first attempt (success or scheduled retry). */
  async start(): Promise<boolean> {
    this.#stopping = false
    return this.#attempt()
  }

  async #attempt(): Promise<boolean> {
    this.state = 'starting'
    try {
      const hp = serviceScope.run(this, () => this.factory(this.ctx))
      this.#honeypot = hp
      await withTimeout(serviceScope.run(this, () => hp.start()), START_TIMEOUT_MS, `${this.label}: start timed out`)
      this.state = 'running'
      this.#backoff = BACKOFF_MS.first
      return true
    } catch (e) {
      await this.#failed(asError(e), 'start')
      return false
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
    await this.#closeHoneypot()
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

  async #closeHoneypot(): Promise<void> {
    const hp = this.#honeypot
    this.#honeypot = undefined
    if (!hp) return
    try {
      await withTimeout(hp.stop(), STOP_TIMEOUT_MS, 'stop timed out')
    } catch {
      // a half-started emulator may not stop cleanly; its sockets die with it
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true
    clearTimeout(this.#timer)
    await this.#closeHoneypot()
    this.state = 'stopped'
  }
}

export function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e))
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}
