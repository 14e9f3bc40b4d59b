// Runs every service of every decky in this process, each under its own
// ServiceSupervisor. A deploy starts whole or not at all: a port or address
// that cannot be bound stops what already started and fails with one line.
import { join } from 'node:path'
import type { DeckyConfig, FleetConfig } from '../../config/model.js'
import { getService } from '../../services/registry.js'
import type { DeckyIdentity, ServiceLimits } from '../../runtime/context.js'
import type { EventSink } from '../../events/sink.js'
import { deckyQuota, makeServiceContext } from '../../runtime/service-runtime.js'
import { ServiceSupervisor } from '../../runtime/supervisor.js'
import { installSecret as readInstallSecret } from '../../runtime/install.js'
import { UserError } from '../../errors.js'
import type { DeckyStatus, EnginePlan, PlannedDecky, PlannedService, ServiceStatus } from '../engine.js'
import { installCrashGuard, type CrashGuard } from './crash-guard.js'
import { loadEmulator } from './plan.js'

/** Failures that retrying will not fix: the deploy is refused instead. */
const BIND_ERRORS = new Set(['EADDRINUSE', 'EADDRNOTAVAIL', 'EACCES'])
const BIND_WORDS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available on this host',
  EACCES: 'permission denied',
}

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
}

interface RunningService {
  planned: PlannedService
  sup?: ServiceSupervisor
}

interface RunningDecky {
  planned: PlannedDecky
  services: RunningService[]
}

export class LocalRuntime {
  readonly #o: LocalRuntimeOptions
  readonly #deckies = new Map<string, RunningDecky>()
  readonly #owned = new Set<ServiceSupervisor>()
  #guard: CrashGuard | undefined
  /** While the first start runs, failures are summed up by start()/failing() instead of logged one by one. */
  #starting = false

  constructor(o: LocalRuntimeOptions) {
    this.#o = o
  }

  get deckyNames(): string[] {
    return [...this.#deckies.keys()]
  }

  #log(msg: string): void {
    ;(this.#o.log ?? ((m: string) => process.stderr.write(`decnet: ${m}\n`)))(msg)
  }

  /** Starts the plan. Throws a UserError (after stopping everything) when a port or address cannot be bound. */
  async start(fleet: FleetConfig, plan: EnginePlan): Promise<void> {
    this.#guard ??= installCrashGuard((s) => this.#owned.has(s), (m) => this.#log(m))
    const secret = this.#o.installSecret ?? readInstallSecret(this.#o.home)
    const artifactsRoot = join(this.#o.home, 'artifacts')
    const configs = new Map(fleet.deckies.map((d) => [d.name, d]))
    const pending: { decky: string; sup: ServiceSupervisor; ports: number }[] = []

    for (const pd of plan.deckies) {
      const dc = configs.get(pd.name)
      if (!dc) throw new Error(`plan names decky ${pd.name}, which the fleet lacks`)
      const quota = deckyQuota(artifactsRoot, pd.name)
      const running: RunningDecky = { planned: pd, services: [] }
      this.#deckies.set(pd.name, running)
      for (const ps of pd.services) {
        const rs: RunningService = { planned: ps }
        running.services.push(rs)
        if (ps.skip) continue
        const plugin = getService(ps.name)
        const factory = await loadEmulator(plugin)
        if (!factory) {
          rs.planned = { ...ps, skip: 'no emulator yet' }
          continue
        }
        const ctx = makeServiceContext({
          decky: identity(dc),
          plugin,
          rawConfig: dc.serviceConfig[ps.name] ?? {},
          bindAddress: dc.ip,
          portOffset: plan.portOffset,
          sink: this.#o.sink,
          home: this.#o.home,
          artifactsRoot,
          installSecret: secret,
          quota,
          log: {
            debug() {},
            warn: (m: string) => {
              if (!this.#starting) this.#log(`${pd.name}/${ps.name}: ${m}`)
            },
          },
          ...(this.#o.limits ? { limits: this.#o.limits } : {}),
        })
        rs.sup = new ServiceSupervisor(ctx, factory)
        this.#owned.add(rs.sup)
        pending.push({ decky: pd.name, sup: rs.sup, ports: plugin.ports.length })
      }
    }

    let done = 0
    this.#starting = true
    this.#o.onProgress?.(0, pending.length)
    // Deckies start in parallel; the services of one decky one after another,
    // those with fewer ports first, so that a service that yields a shared port
    // (http gives 443 to https) always finds it taken rather than racing for it.
    const byDecky = new Map<string, { sup: ServiceSupervisor; ports: number }[]>()
    for (const p of pending) {
      const list = byDecky.get(p.decky) ?? []
      list.push({ sup: p.sup, ports: p.ports })
      byDecky.set(p.decky, list)
    }
    await Promise.all(
      [...byDecky.values()].map(async (list) => {
        for (const { sup } of list.sort((a, b) => a.ports - b.ports)) {
          await sup.start()
          this.#o.onProgress?.(++done, pending.length)
        }
      }),
    )
    this.#starting = false
    const bindFailure = pending.find(({ sup }) => sup.state !== 'running' && BIND_ERRORS.has(sup.lastErrorCode ?? ''))
    if (bindFailure) {
      await this.stop()
      throw bindError(bindFailure.sup, configs.get(bindFailure.decky))
    }
  }

  /** Services that failed their first start for another reason (they keep retrying). */
  failing(): { decky: string; service: string; error: string }[] {
    const out: { decky: string; service: string; error: string }[] = []
    for (const [name, d] of this.#deckies) {
      for (const s of d.services) {
        if (s.sup && s.sup.state !== 'running') out.push({ decky: name, service: s.planned.name, error: s.sup.lastError ?? s.sup.state })
      }
    }
    return out
  }

  async stopDecky(name: string): Promise<boolean> {
    const d = this.#deckies.get(name)
    if (!d) return false
    this.#deckies.delete(name)
    await Promise.all(d.services.map(async (s) => {
      if (!s.sup) return
      await s.sup.stop()
      this.#owned.delete(s.sup)
    }))
    return true
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#deckies.keys()].map((n) => this.stopDecky(n)))
    this.#guard?.release()
    this.#guard = undefined
  }

  snapshot(): DeckyStatus[] {
    return [...this.#deckies.values()].map((d) => ({
      name: d.planned.name,
      ip: d.planned.ip,
      hostname: d.planned.hostname,
      os: d.planned.os,
      services: d.services.map((s): ServiceStatus => ({
        name: s.planned.name,
        state: s.sup ? s.sup.state : 'skipped',
        ports: s.planned.ports,
        restarts: s.sup?.restarts ?? 0,
        ...(s.sup?.lastError && s.sup.state !== 'running' ? { error: s.sup.lastError } : {}),
        ...(s.planned.skip ? { skip: s.planned.skip } : {}),
      })),
    }))
  }

  /** Supervisor of one service (tests and the crash guard). */
  supervisor(decky: string, service: string): ServiceSupervisor | undefined {
    return this.#deckies.get(decky)?.services.find((s) => s.planned.name === service)?.sup
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
  const hint = code === 'EADDRINUSE' ? ' (another deployment or program holds it; try --port-offset or decnet teardown --all)' : ''
  return new UserError('ADDRESS_UNAVAILABLE', `${sup.label}: cannot bind ${where}: ${words}${hint}; nothing deployed`)
}
