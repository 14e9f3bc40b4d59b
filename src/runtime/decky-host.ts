// One decky's services, running: a context and a supervisor per service, one
// artifact quota for the decky. The local engine runs one DeckyHost per decky
// in its process, `decnet run-service` one host with one service in a
// container, and the native engine will run one per network namespace.
import type { BaseService } from '../services/base.js'
import type { BoundListener, EmulatorFactory, Logger } from './context.js'
import { deckyQuota, makeServiceContext, type ServiceRuntimeOptions } from './service-runtime.js'
import { DeckyQuota, DEFAULT_ARTIFACT_CAPS } from './artifacts.js'
import type { StartGate } from './start-gate.js'
import { ServiceSupervisor, type ServiceState } from './supervisor.js'

export interface HostedService {
  plugin: BaseService
  factory: EmulatorFactory
  /** Persona values as the INI or the environment gave them; resolved through the plugin's schema. */
  rawConfig?: Record<string, unknown>
}

/** What every service of the decky shares (identity, addresses, sink, keys, limits), plus the services. */
export interface DeckyHostOptions extends Omit<ServiceRuntimeOptions, 'plugin' | 'rawConfig' | 'quota' | 'log'> {
  services: HostedService[]
  gate?: StartGate
  startTimeoutMs?: number
  /** Per-service diagnostics. */
  log?: (service: string) => Logger
}

export interface HostedServiceStatus {
  name: string
  state: ServiceState
  restarts: number
  error?: string
  errorCode?: string
  bound: readonly BoundListener[]
}

export class DeckyHost {
  readonly supervisors = new Map<string, ServiceSupervisor>()
  readonly #order: { sup: ServiceSupervisor; ports: number }[] = []

  constructor(readonly o: DeckyHostOptions) {
    const caps = o.artifactCaps ?? DEFAULT_ARTIFACT_CAPS
    const quota = o.artifactsDir ? new DeckyQuota(o.artifactsDir, caps.maxDeckyBytes) : deckyQuota(o.artifactsRoot, o.decky.name, caps)
    for (const s of o.services) {
      const { services: _services, gate: _gate, startTimeoutMs: _timeout, log, ...shared } = o
      const ctx = makeServiceContext({
        ...shared,
        plugin: s.plugin,
        rawConfig: s.rawConfig ?? {},
        quota,
        ...(log ? { log: log(s.plugin.name) } : {}),
      })
      const sup = new ServiceSupervisor(ctx, s.factory, {
        ...(o.gate ? { gate: o.gate } : {}),
        ...(o.startTimeoutMs !== undefined ? { startTimeoutMs: o.startTimeoutMs } : {}),
      })
      this.supervisors.set(s.plugin.name, sup)
      this.#order.push({ sup, ports: s.plugin.ports.length })
    }
    // Services with fewer ports start first, so one that yields a shared port
    // (http gives 443 to https) always finds it taken rather than racing for it.
    this.#order.sort((a, b) => a.ports - b.ports)
  }

  get name(): string {
    return this.o.decky.name
  }

  /** Starts the services one after another; resolves after each had its first attempt. */
  async start(onEach?: (sup: ServiceSupervisor) => void): Promise<void> {
    for (const { sup } of this.#order) {
      await sup.start()
      onEach?.(sup)
    }
  }

  /** Stops every service; resolves when every socket of the decky is closed. */
  async stop(): Promise<void> {
    await Promise.all([...this.supervisors.values()].map((s) => s.stop()))
  }

  owns(sup: ServiceSupervisor): boolean {
    return this.supervisors.get(sup.ctx.service) === sup
  }

  status(): HostedServiceStatus[] {
    return [...this.supervisors.entries()].map(([name, s]) => ({
      name,
      state: s.state,
      restarts: s.restarts,
      bound: s.bound,
      ...(s.lastError && s.state !== 'running' ? { error: s.lastError } : {}),
      ...(s.lastErrorCode && s.state !== 'running' ? { errorCode: s.lastErrorCode } : {}),
    }))
  }
}
