// The embedded default engine: no root, no Docker. Every decky binds its own
// address on this host (127.42.0.x by default); all deckies run in one
// process (the runner: foreground `decnet deploy` or its --detach child),
// each service under a supervisor.
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { FleetConfig } from '../../config/model.js'
import type { ServiceLimits } from '../../runtime/context.js'
import { FanoutSink, type EventSink } from '../../events/sink.js'
import { decnetHome } from '../../runtime/paths.js'
import { UserError } from '../../errors.js'
import { openStore, Ingester } from '../../store/index.js'
import { fleetFilter, startLiveSniffer, type LiveSniffer } from '../../sniffer/live.js'
import {
  runnable, runnableCount, StartInterrupted,
  type Applied, type ApplyContext, type Engine, type EnginePlan, type EngineStatus, type RunningDeployment, type TeardownResult,
} from '../engine.js'
import {
  assertNoActiveDeployment, readState, recordStatus, removeState, runnerOf, statePath, withoutDeckies, writeState, type DeploymentRecord,
} from '../state.js'
import { processAlive, stopProcess, STOP_GRACE_MS } from '../runner-process.js'
import { logTargetSink } from '../log-target.js'
import { assertAddressesLocal } from './addresses.js'
import { controlSocketPath, sendControl } from './control.js'
import { LocalDeployment } from './deployment.js'
import { detach, LOG_FILE } from './detach.js'
import { loadEmulator, planLocal } from './plan.js'
import { allServices } from '../../services/registry.js'
import { assertPortsBindable, readBindPrivileges, type BindPrivileges } from './ports.js'
import { LocalRuntime } from './runtime.js'
import { invokedAs, plural } from '../../cli/words.js'

/** How long teardown waits for a runner that is this very process (in-process tests) to stop. */
export const TEARDOWN_WAIT_MS = 20_000
/** How long the runner's control channel has to accept a stop before SIGTERM is sent instead. */
export const CONTROL_ASK_MS = 2_000

export interface LocalEngineOptions {
  home?: string
  portOffset?: number
  /** deploy(): where every event goes (apply() builds its own: the store, --log-target, the CLI's feed). */
  sink?: EventSink
  onProgress?: (done: number, total: number) => void
  log?: (msg: string) => void
  logPath?: string
  logTarget?: string
  limits?: Partial<ServiceLimits>
  installSecret?: Buffer
  /** Injected by tests; read from /proc otherwise. */
  privileges?: BindPrivileges
  /** apply(): run the fleet in a background runner (deploy --detach). */
  detach?: boolean
  /** apply(): also fingerprint TLS/SSH clients of the deckies captured on this interface. */
  sniff?: string
  /** teardown: how long the runner has to exit before it is sent SIGKILL. */
  stopGraceMs?: number
}

export class LocalEngine implements Engine {
  readonly name = 'local' as const
  readonly home: string

  constructor(private readonly o: LocalEngineOptions = {}) {
    this.home = o.home ?? decnetHome()
  }

  /** The plan, once everything that can be known without binding holds: privileges, addresses, no other deployment. */
  async plan(fleet: FleetConfig): Promise<EnginePlan> {
    const plan = await planLocal(fleet, this.o.portOffset ?? 0)
    if (plan.deckies.every((d) => runnable(d).length === 0)) {
      const asked = [...new Set(plan.deckies.flatMap((d) => d.services.map((s) => s.name)))].join(', ')
      throw new UserError('FLEET_INVALID', `nothing to run: no service of this fleet (${asked}) has an emulator yet; the local engine runs: ${(await emulatedServices()).join(', ')}`)
    }
    assertPortsBindable(plan, this.o.privileges ?? readBindPrivileges())
    assertAddressesLocal(plan)
    assertNoActiveDeployment(this.home)
    return plan
  }

  async preview(_fleet: FleetConfig, plan: EnginePlan): Promise<string[]> {
    const n = runnableCount(plan)
    return [`dry run: nothing bound. ${plural(n, 'service')} would listen on ${plural(plan.deckies.length, 'decky', 'deckies')}.`]
  }

  /** In the background (--detach), or in this process until stopped (the runner). */
  async apply(fleet: FleetConfig, plan: EnginePlan, ctx: ApplyContext = {}): Promise<Applied> {
    if (this.o.detach) return this.#applyDetached(fleet, plan, ctx)
    return { notes: [], running: await this.#runHere(fleet, plan, ctx) }
  }

  /** Starts the fleet in this process with the sink of the options; resolves once every service had its first start. */
  async deploy(fleet: FleetConfig): Promise<LocalDeployment> {
    return this.#start(fleet, await this.plan(fleet), this.o.sink ?? { write() {} }, {})
  }

  async status(): Promise<EngineStatus | undefined> {
    const state = readState(this.home)
    return state && recordStatus(state)
  }

  async teardown(names?: string[]): Promise<TeardownResult> {
    const state = readState(this.home)
    if (!state) throw new UserError('STATE_MISSING', 'No active deployment found.')
    return teardownLocal(this.home, state, names, { graceMs: this.o.stopGraceMs ?? STOP_GRACE_MS })
  }

  async #start(fleet: FleetConfig, plan: EnginePlan, sink: EventSink, o: { keepRecord?: boolean; onProgress?: ApplyContext['onProgress']; log?: (m: string) => void; signal?: AbortSignal }): Promise<LocalDeployment> {
    const onProgress = o.onProgress ?? this.o.onProgress
    const log = o.log ?? this.o.log
    const runtime = new LocalRuntime({
      home: this.home,
      sink,
      portOffset: plan.portOffset,
      ...(onProgress ? { onProgress } : {}),
      ...(log ? { log } : {}),
      ...(this.o.limits ? { limits: this.o.limits } : {}),
      ...(this.o.installSecret ? { installSecret: this.o.installSecret } : {}),
    })
    const logTarget = this.o.logTarget ?? fleet.logTarget
    const logPath = this.o.logPath ?? (process.env.DECNET_DETACHED ? join(this.home, LOG_FILE) : undefined)
    const deployment = new LocalDeployment(runtime, fleet, plan, {
      home: this.home,
      ...(logPath ? { logPath } : {}),
      ...(logTarget ? { logTarget } : {}),
      ...(o.keepRecord ? { keepRecord: true } : {}),
    })
    const signal = o.signal
    const interrupted = () => {
      if (signal?.aborted) throw new StartInterrupted()
    }
    // an interruption stops the runtime at once: a start in progress starts nothing more and returns
    const onAbort = () => void runtime.stop().catch(() => undefined)
    signal?.addEventListener('abort', onAbort, { once: true })
    deployment.claim()
    try {
      interrupted()
      await runtime.start(fleet, plan)
      interrupted()
      await deployment.ready()
      interrupted()
    } catch (e) {
      await deployment.stop().catch(() => undefined)
      deployment.release()
      throw signal?.aborted ? new StartInterrupted() : e
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
    return deployment
  }

  /** The runner: events to the store, --log-target and the CLI's feed; the sniffer; the record kept until all of it closed. */
  async #runHere(fleet: FleetConfig, plan: EnginePlan, ctx: ApplyContext): Promise<RunningDeployment> {
    const log = ctx.log ?? this.o.log ?? (() => {})
    const ingester = new Ingester(openStore(this.home))
    const sinks: EventSink[] = [ingester]
    if (ctx.feed) sinks.push(ctx.feed)
    const forwarder = fleet.logTarget ? await logTargetSink(fleet.logTarget) : undefined
    if (forwarder) sinks.push(forwarder)
    const sink = new FanoutSink(sinks, (e) => log(`event sink failed: ${e.message}`))
    const closeSinks = async () => {
      await ingester.close()
      await forwarder?.close?.()
    }
    let deployment: LocalDeployment
    try {
      deployment = await this.#start(fleet, plan, sink, {
        keepRecord: true, log,
        ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      })
    } catch (e) {
      await closeSinks()
      throw e
    }
    const sniffer = this.o.sniff ? startFleetSniffer(this.o.sniff, fleet, sink, log) : undefined
    const done = deployment.done
      .then(async () => {
        await sniffer?.stop()
        await closeSinks()
      })
      .catch((e: unknown) => log(`closing the runner: ${(e as Error).message}`))
      .finally(() => deployment.release())
    return {
      snapshot: () => deployment.runtime.snapshot(),
      failing: () => deployment.runtime.failing(),
      stop: () => deployment.stop(),
      done,
    }
  }

  async #applyDetached(fleet: FleetConfig, plan: EnginePlan, ctx: ApplyContext): Promise<Applied> {
    const entry = ctx.relaunch?.entry
    if (!entry) throw new UserError('DEPLOY_FAILED', '--detach: cannot find the decnet entry script')
    const d = await detach({
      home: this.home, fleet, portOffset: plan.portOffset, entry, execArgv: ctx.relaunch?.execArgv ?? [],
      ...(fleet.logTarget ? { logTarget: fleet.logTarget } : {}),
      ...(this.o.sniff ? { sniff: this.o.sniff } : {}),
    })
    return {
      notes: [
        `${plural(runnableCount(plan), 'service')} up on ${plural(plan.deckies.length, 'decky', 'deckies')}, in the background (pid ${d.pid}; log ${d.logPath}).`,
        `follow events:  ${invokedAs()} logs -f`,
        `stop:           ${invokedAs()} teardown --all`,
      ],
    }
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

/** The fleet's own sniffer: fingerprints go through the same sinks as every event. A capture failure costs the sniffer, never the fleet. */
function startFleetSniffer(iface: string, fleet: FleetConfig, sink: EventSink, log: (line: string) => void): LiveSniffer {
  const byIp = new Map(fleet.deckies.map((d) => [d.ip, d.name]))
  const live = startLiveSniffer({
    interface: iface,
    filter: fleetFilter([...byIp.keys()]),
    sink,
    resolveDecky: (ip) => byIp.get(ip),
    onLog: (line) => {
      if (!/^(listening on|\d+ packets)/.test(line)) log(`sniffer: ${line}`)
    },
  })
  live.done.catch((e: Error) => log(`sniffer stopped: ${e.message} (the fleet keeps running)`))
  return live
}

/** Until the record is gone (the runner removes it last when it stops). */
async function waitRecordGone(home: string, ms: number): Promise<boolean> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (!existsSync(statePath(home))) return true
    await new Promise((r) => setTimeout(r, 50))
  }
  return !existsSync(statePath(home))
}

function readOrUndefined(home: string): DeploymentRecord | undefined {
  try {
    return readState(home)
  } catch {
    return undefined
  }
}

/** Removes what a runner that did not clean up left behind (its record, its socket), unless a new deployment owns them now. */
function clearRecord(home: string, state: DeploymentRecord): void {
  const now = readOrUndefined(home)
  if (!now || now.pid !== state.pid || now.started_at !== state.started_at) return
  removeState(home)
  const socket = controlSocketPath(home)
  if (socket && state.control_socket === socket) rmSync(socket, { force: true })
}

export interface LocalTeardownOptions {
  /** How long the runner has to exit once asked before SIGKILL (default STOP_GRACE_MS). */
  graceMs?: number
}

/**
 * Stops deckies of a local deployment through its runner. --all returns only
 * once the runner process has exited: asked over the control socket (else
 * SIGTERM), then SIGKILL after graceMs. A runner that is gone already (stale
 * record) is reported as such.
 */
export async function teardownLocal(home: string, state: DeploymentRecord, names?: string[], o: LocalTeardownOptions = {}): Promise<TeardownResult> {
  const graceMs = o.graceMs ?? STOP_GRACE_MS
  const known = new Set(state.config.deckies.map((d) => d.name))
  for (const n of names ?? []) {
    if (!known.has(n)) throw new UserError('FLAG_INVALID', `--id ${n}: no such decky; deployed: ${[...known].join(', ') || 'none'}`)
  }
  const all = names === undefined || names.length === 0 || state.config.deckies.every((d) => names.includes(d.name))
  const stopped = all ? [...known] : (names ?? [])
  const who = runnerOf(state)
  if (!who || !processAlive(who)) {
    // The runner is gone; only the record is left to fix.
    if (all) clearRecord(home, state)
    else writeState(withoutDeckies(state, stopped), home)
    return { stopped, all, ...(who ? { runner: { pid: who.pid, outcome: 'gone' as const, graceMs } } : {}) }
  }
  const { pid } = who
  const socket = state.control_socket
  if (all) {
    const ask = socket
      ? () => sendControl(socket, { op: 'stop' }, Math.min(CONTROL_ASK_MS, graceMs)).then((r) => r.ok)
      : undefined
    if (pid === process.pid) {
      // This process runs the deckies (in process): its deployment removes the record once stopped.
      if (ask) await ask().catch(() => false)
      if (!(await waitRecordGone(home, TEARDOWN_WAIT_MS))) {
        throw new UserError('DEPLOY_FAILED', `the runner (pid ${pid}) did not stop within ${TEARDOWN_WAIT_MS / 1000} s`)
      }
      return { stopped, all, runner: { pid, outcome: 'self', graceMs } }
    }
    const outcome = await stopProcess(who, { ...(ask ? { ask } : {}), graceMs })
    clearRecord(home, state)
    return { stopped, all, runner: { pid, outcome, graceMs } }
  }
  if (!socket) throw new UserError('DEPLOY_FAILED', `the runner (pid ${pid}) has no control channel; use --all`)
  for (const n of stopped) {
    const reply = await sendControl(socket, { op: 'stop-decky', name: n })
    if (!reply.ok) throw new UserError('DEPLOY_FAILED', `--id ${n}: ${reply.error ?? 'refused'}`)
  }
  return { stopped, all, runner: { pid, outcome: 'running', graceMs } }
}

export { LocalDeployment } from './deployment.js'
export { LocalRuntime } from './runtime.js'
