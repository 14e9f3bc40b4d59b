// The embedded default engine: no root, no Docker. Every decky binds its own
// address on this host (127.42.0.x by default); all deckies run in this
// process, each service under a supervisor.
import type { FleetConfig } from '../../config/model.js'
import type { ServiceLimits } from '../../runtime/context.js'
import type { EventSink } from '../../events/sink.js'
import { decnetHome } from '../../runtime/paths.js'
import { UserError } from '../../errors.js'
import { runnable, type Engine, type EnginePlan, type EngineStatus } from '../engine.js'
import { existsSync } from 'node:fs'
import { pidAlive, readState, removeState, statePath, withoutDeckies, writeState, type DeploymentState } from '../state.js'
import { assertAddressesLocal } from './addresses.js'
import { sendControl } from './control.js'
import { LocalDeployment } from './deployment.js'
import { loadEmulator, planLocal } from './plan.js'
import { allServices } from '../../services/registry.js'
import { assertPortsBindable, readBindPrivileges, type BindPrivileges } from './ports.js'
import { LocalRuntime } from './runtime.js'

export const TEARDOWN_WAIT_MS = 20_000

export interface LocalEngineOptions {
  home?: string
  portOffset?: number
  sink?: EventSink
  onProgress?: (done: number, total: number) => void
  log?: (msg: string) => void
  logPath?: string
  logTarget?: string
  limits?: Partial<ServiceLimits>
  installSecret?: Buffer
  /** Injected by tests; read from /proc otherwise. */
  privileges?: BindPrivileges
}

export class LocalEngine implements Engine {
  readonly name = 'local' as const
  readonly home: string

  constructor(private readonly o: LocalEngineOptions = {}) {
    this.home = o.home ?? decnetHome()
  }

  plan(fleet: FleetConfig): Promise<EnginePlan> {
    return planLocal(fleet, this.o.portOffset ?? 0)
  }

  /** Everything that can be known without binding: privileges, addresses, no other deployment. */
  async check(fleet: FleetConfig): Promise<EnginePlan> {
    const plan = await this.plan(fleet)
    if (plan.deckies.every((d) => runnable(d).length === 0)) {
      const asked = [...new Set(plan.deckies.flatMap((d) => d.services.map((s) => s.name)))].join(', ')
      throw new UserError('FLEET_INVALID', `nothing to run: no service of this fleet (${asked}) has an emulator yet; the local engine runs: ${(await emulatedServices()).join(', ')}`)
    }
    assertPortsBindable(plan, this.o.privileges ?? readBindPrivileges())
    assertAddressesLocal(plan)
    assertNoActiveDeployment(this.home)
    return plan
  }

  /** Starts the fleet in this process; resolves once every service had its first start. */
  async deploy(fleet: FleetConfig): Promise<LocalDeployment> {
    const plan = await this.check(fleet)
    const runtime = new LocalRuntime({
      home: this.home,
      sink: this.o.sink ?? { write() {} },
      portOffset: plan.portOffset,
      ...(this.o.onProgress ? { onProgress: this.o.onProgress } : {}),
      ...(this.o.log ? { log: this.o.log } : {}),
      ...(this.o.limits ? { limits: this.o.limits } : {}),
      ...(this.o.installSecret ? { installSecret: this.o.installSecret } : {}),
    })
    const deployment = new LocalDeployment(runtime, fleet, plan, {
      home: this.home,
      ...(this.o.logPath ? { logPath: this.o.logPath } : {}),
      ...(this.o.logTarget ? { logTarget: this.o.logTarget } : {}),
    })
    deployment.claim()
    try {
      await runtime.start(fleet, plan)
      await deployment.ready()
    } catch (e) {
      await deployment.stop()
      throw e
    }
    return deployment
  }

  async status(): Promise<EngineStatus | undefined> {
    return stateStatus(readState(this.home))
  }

  async teardown(names?: string[]): Promise<void> {
    const state = readState(this.home)
    if (!state) throw new UserError('STATE_MISSING', 'No active deployment found.')
    await teardownLocal(this.home, state, names)
  }
}

/** Slugs whose plugin has an emulator (what the local engine can run). */
export async function emulatedServices(): Promise<string[]> {
  const out: string[] = []
  for (const [name, svc] of allServices()) {
    if (!svc.fleetSingleton && (await loadEmulator(svc).catch(() => undefined))) out.push(name)
  }
  return out.sort()
}

export function stateStatus(state: DeploymentState | undefined): EngineStatus | undefined {
  if (!state) return undefined
  return {
    engine: state.engine,
    ...(state.pid !== undefined ? { pid: state.pid } : {}),
    running: pidAlive(state.pid),
    startedAt: state.started_at,
    deckies: state.deckies,
  }
}

export function assertNoActiveDeployment(home: string): void {
  const state = readState(home)
  if (!state) return
  if (state.engine === 'local' && !pidAlive(state.pid)) return // stale: its runner died
  if (state.pid === process.pid) return
  const who = state.engine === 'local' ? `pid ${state.pid}` : `compose file ${state.compose_path ?? '?'}`
  throw new UserError('DEPLOYMENT_ACTIVE', `a ${state.engine} deployment is already running (${who}); stop it first with: decnet teardown --all`)
}

/** Until the runner exits or has removed the state file (it does so last when it stops). */
async function waitStopped(home: string, pid: number, ms: number): Promise<boolean> {
  const stopped = () => !pidAlive(pid) || !existsSync(statePath(home))
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (stopped()) return true
    await new Promise((r) => setTimeout(r, 100))
  }
  return stopped()
}

/** Stops deckies of a local deployment through its runner (control socket, else SIGTERM for --all). */
export async function teardownLocal(home: string, state: DeploymentState, names?: string[]): Promise<string[]> {
  const alive = pidAlive(state.pid)
  const known = new Set(state.config.deckies.map((d) => d.name))
  for (const n of names ?? []) {
    if (!known.has(n)) throw new UserError('FLAG_INVALID', `--id ${n}: no such decky; deployed: ${[...known].join(', ') || 'none'}`)
  }
  const all = names === undefined || names.length === 0 || state.config.deckies.every((d) => names.includes(d.name))
  if (!alive) {
    // The runner is gone; only the file is left to fix.
    if (all) removeState(home)
    else writeState(withoutDeckies(state, names ?? []), home)
    return all ? [...known] : (names ?? [])
  }
  const pid = state.pid as number
  if (all) {
    let asked = false
    if (state.control_socket) asked = await sendControl(state.control_socket, { op: 'stop' }).then((r) => r.ok, () => false)
    if (!asked && pid !== process.pid) process.kill(pid, 'SIGTERM')
    if (!(await waitStopped(home, pid, TEARDOWN_WAIT_MS))) {
      throw new UserError('DEPLOY_FAILED', `the runner (pid ${pid}) did not stop within ${TEARDOWN_WAIT_MS / 1000} s; kill it with: kill ${pid}`)
    }
    removeState(home)
    return [...known]
  }
  if (!state.control_socket) throw new UserError('DEPLOY_FAILED', `the runner (pid ${pid}) has no control channel; use --all`)
  for (const n of names ?? []) {
    const reply = await sendControl(state.control_socket, { op: 'stop-decky', name: n })
    if (!reply.ok) throw new UserError('DEPLOY_FAILED', `--id ${n}: ${reply.error ?? 'refused'}`)
  }
  return names ?? []
}

export { LocalDeployment } from './deployment.js'
export { LocalRuntime } from './runtime.js'
