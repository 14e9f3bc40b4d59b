// Runs every service of every decky in this process, each under its own
// ServiceSupervisor. A deploy starts whole or not at all: a port or address
// that cannot be bound stops what already started and fails with one line.
import type { DeckyConfig, FleetConfig } from '../../config/model.js'
import { getService } from '../../services/registry.js'
import type { DeckyIdentity, Logger, ServiceLimits } from '../../runtime/context.js'
import type { EventSink } from '../../events/sink.js'
import { DeckyHost, type HostedService } from '../../runtime/decky-host.js'
import type { ServiceSupervisor } from '../../runtime/supervisor.js'
import { StartGate } from '../../runtime/start-gate.js'
import { readInstallSecret } from '../../runtime/install.js'
import { artifactsRoot } from '../../runtime/paths.js'
import { UserError } from '../../errors.js'
import type { DeckyStatus, EnginePlan, PlannedDecky, PlannedService, ServiceStatus } from '../engine.js'
import { installCrashGuard, type CrashGuard } from '../../runtime/crash-guard.js'
import { loadEmulator } from './plan.js'
import { invokedAs } from '../../cli/words.js'

/** Failures that retrying will not fix: the deploy is refused instead. */
const BIND_ERRORS = new Set(['EADDRINUSE', 'EADDRNOTAVAIL', 'EACCES'])
const BIND_WORDS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available on this host',
  EACCES: 'permission denied',
}
/** Services starting at once: enough to overlap I/O, few enough that key generation on 2 cores meets the start timeout. */
export const START_CONCURRENCY = 4

export interface LocalRuntimeOptions {
  home: string
  sink: EventSink
  portOffset: number
  installSecret?: Buffer
  limits?: Partial<ServiceLimits>
  /** Called after each service's first start attempt. */
  onProgress?: (done: number, total: number) => void
  /** Internal diagnostics (crashes, unattributed errors). */
  log?: (msg: string) => void
  startTimeoutMs?: number
}

interface RunningDecky {
  planned: PlannedDecky
  /** Services as planned; skip set for those this engine does not run. */
  services: PlannedService[]
  host: DeckyHost
}

export class LocalRuntime {
  readonly #o: LocalRuntimeOptions
  readonly #deckies = new Map<string, RunningDecky>()
  readonly #gate = new StartGate(START_CONCURRENCY)
  #guard: CrashGuard | undefined
  /** While the first start runs, failures are summed up by start()/failing() instead of logged one by one. */
  #starting = false
  /** stop() ran: a start() still in progress starts nothing more. */
  #stopped = false

  constructor(o: LocalRuntimeOptions) {
    this.#o = o
  }

  get deckyNames(): string[] {
    return [...this.#deckies.keys()]
  }

  #log(msg: string): void {
    this.#o.log?.(msg)
  }

  #owns(sup: ServiceSupervisor): boolean {
    for (const d of this.#deckies.values()) if (d.host.owns(sup)) return true
    return false
  }

  /** Starts the plan. Throws a UserError (after stopping everything) when a port or address cannot be bound. */
  async start(fleet: FleetConfig, plan: EnginePlan): Promise<void> {
    this.#guard ??= installCrashGuard((s) => this.#owns(s), (m) => this.#log(m))
    const secret = this.#o.installSecret ?? readInstallSecret(this.#o.home)
    const artifacts = artifactsRoot(this.#o.home)
    const configs = new Map(fleet.deckies.map((d) => [d.name, d]))
    let total = 0

    for (const pd of plan.deckies) {
      if (this.#stopped) return
      const dc = configs.get(pd.name)
      if (!dc) throw new Error(`plan names decky ${pd.name}, which the fleet lacks`)
      const services: PlannedService[] = []
      const hosted: HostedService[] = []
      for (const ps of pd.services) {
        if (ps.skip) {
          services.push(ps)
          continue
        }
        const plugin = getService(ps.name)
        const factory = await loadEmulator(plugin)
        if (!factory) {
          services.push({ ...ps, skip: 'no emulator yet' })
          continue
        }
        services.push(ps)
        hosted.push({ plugin, factory, rawConfig: dc.serviceConfig[ps.name] ?? {} })
      }
      total += hosted.length
      if (this.#stopped) return
      const host = new DeckyHost({
        decky: identity(dc),
        services: hosted,
        bindAddress: dc.ip,
        portOffset: plan.portOffset,
        sink: this.#o.sink,
        home: this.#o.home,
        artifactsRoot: artifacts,
        installSecret: secret,
        gate: this.#gate,
        ...(this.#o.startTimeoutMs !== undefined ? { startTimeoutMs: this.#o.startTimeoutMs } : {}),
        ...(this.#o.limits ? { limits: this.#o.limits } : {}),
        log: (service): Logger => ({
          debug() {},
          warn: (m: string) => {
            if (!this.#starting) this.#log(`${pd.name}/${service}: ${m}`)
          },
        }),
      })
      this.#deckies.set(pd.name, { planned: pd, services, host })
    }

    let done = 0
    this.#starting = true
    this.#o.onProgress?.(0, total)
    // Deckies start side by side (the start gate bounds how many services at once).
    await Promise.all([...this.#deckies.values()].map((d) => d.host.start(() => this.#o.onProgress?.(++done, total))))
    this.#starting = false
    if (this.#stopped) return
    for (const d of this.#deckies.values()) {
      for (const sup of d.host.supervisors.values()) {
        if (sup.state !== 'running' && BIND_ERRORS.has(sup.lastErrorCode ?? '')) {
          await this.stop()
          throw bindError(sup, configs.get(d.planned.name))
        }
      }
    }
  }

  /** Services that failed their first start for another reason (they keep retrying). */
  failing(): { decky: string; service: string; error: string }[] {
    const out: { decky: string; service: string; error: string }[] = []
    for (const [name, d] of this.#deckies) {
      for (const s of d.host.status()) {
        if (s.state !== 'running') out.push({ decky: name, service: s.name, error: s.error ?? s.state })
      }
    }
    return out
  }

  async stopDecky(name: string): Promise<boolean> {
    const d = this.#deckies.get(name)
    if (!d) return false
    this.#deckies.delete(name)
    await d.host.stop()
    return true
  }

  async stop(): Promise<void> {
    this.#stopped = true
    await Promise.all([...this.#deckies.keys()].map((n) => this.stopDecky(n)))
    this.#guard?.release()
    this.#guard = undefined
  }

  snapshot(): DeckyStatus[] {
    return [...this.#deckies.values()].map((d) => {
      const running = new Map(d.host.status().map((s) => [s.name, s]))
      return {
        name: d.planned.name,
        ip: d.planned.ip,
        hostname: d.planned.hostname,
        os: d.planned.os,
        services: d.services.map((ps): ServiceStatus => {
          const s = running.get(ps.name)
          return {
            name: ps.name,
            state: s ? s.state : 'skipped',
            ports: ps.ports,
            restarts: s?.restarts ?? 0,
            ...(s?.error ? { error: s.error } : {}),
            ...(ps.skip ? { skip: ps.skip } : {}),
          }
        }),
      }
    })
  }

  /** Supervisor of one service (tests and the crash guard). */
  supervisor(decky: string, service: string): ServiceSupervisor | undefined {
    return this.#deckies.get(decky)?.host.supervisors.get(service)
  }
}

export function identity(d: DeckyConfig): DeckyIdentity {
  return { name: d.name, hostname: d.hostname, ip: d.ip, osFamily: d.nmapOs || 'linux', distro: d.distro }
}

function bindError(sup: ServiceSupervisor, d: DeckyConfig | undefined): UserError {
  const err = sup.lastFailure as (NodeJS.ErrnoException & { address?: string; port?: number }) | undefined
  const code = sup.lastErrorCode ?? 'EADDRINUSE'
  const where = err?.address !== undefined && err.port !== undefined ? `${err.address}:${err.port}` : (d?.ip ?? '?')
  const words = BIND_WORDS[code] ?? code
  const hint = code === 'EADDRINUSE' ? ` (another deployment or program holds it; try --port-offset or ${invokedAs()} teardown --all)` : ''
  return new UserError('ADDRESS_UNAVAILABLE', `${sup.label}: cannot bind ${where}: ${words}${hint}; nothing deployed`)
}
