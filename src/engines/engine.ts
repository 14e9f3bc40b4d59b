// One interface for every engine, one lifecycle: plan → apply → status →
// teardown. plan() computes what would be bound or created where (data that
// --dry-run prints and tests assert) and checks what can be known without
// touching the host; only apply() touches it. The engines themselves are
// listed in ./registry.ts; commands reach them only through it.
import type { FleetConfig } from '../config/model.js'
import type { EventSink } from '../events/sink.js'
import type { DeploymentPhase } from './state.js'

/** Engines of the registry (./registry.ts). A new one (native) is added here and there. */
export type EngineName = 'local' | 'docker'

export interface PlannedPort {
  proto: 'tcp' | 'udp'
  /** Port the plugin declares (80 for http). */
  declared: number
  /** Port actually bound (declared + --port-offset for the local engine). */
  bound: number
}

/** Why a service of a decky will not run on this engine. */
export type SkipReason = 'no emulator yet' | 'fleet singleton' | 'container image only'

export interface PlannedService {
  name: string
  ports: PlannedPort[]
  /** Set when this engine will not run the service. */
  skip?: SkipReason
}

export interface PlannedDecky {
  name: string
  ip: string
  hostname: string
  os: string
  distro: string
  services: PlannedService[]
}

export interface EnginePlan {
  engine: EngineName
  portOffset: number
  deckies: PlannedDecky[]
  /** docker: the compose file that deploy writes (absolute). */
  composePath?: string
}

export type ServiceRunState = 'starting' | 'running' | 'backoff' | 'stopped' | 'unavailable' | 'skipped'

export interface ServiceStatus {
  name: string
  state: ServiceRunState
  ports: PlannedPort[]
  restarts: number
  error?: string
  skip?: SkipReason
}

export interface DeckyStatus {
  name: string
  ip: string
  hostname: string
  os: string
  services: ServiceStatus[]
}

/** The process that runs the deckies (local engine; docker has none). */
export interface RunnerStatus {
  pid: number
  /** The recorded process still runs (same pid and start time, not a zombie). */
  alive: boolean
}

export interface EngineStatus {
  engine: EngineName
  phase: DeploymentPhase
  startedAt: string
  portOffset: number
  runner?: RunnerStatus
  /** docker: the compose file. */
  composePath?: string
  /** local --detach: where the runner's output goes. */
  logPath?: string
  /** Service states as recorded; never 'running' when the runner is gone (they show as 'stopped'). */
  deckies: DeckyStatus[]
}

/** What `decnet deploy` passes to apply(): the command's own parts of a running fleet. */
export interface ApplyContext {
  /** Another sink for every event (the CLI's live feed). */
  feed?: EventSink
  /** Services started so far, while apply() starts them. */
  onProgress?: (done: number, total: number) => void
  /** One diagnostic line (no "decnet: " prefix). */
  log?: (line: string) => void
  /** How to start this CLI again (a background runner): the entry script and node's flags. */
  relaunch?: { entry: string | undefined; execArgv: string[] }
  /** Aborted (Ctrl-C, a closed terminal pipe) while apply() starts the deckies: it stops what started and rejects with StartInterrupted. */
  signal?: AbortSignal
}

/** apply() was interrupted during start-up; whatever had started was stopped and the record removed. */
export class StartInterrupted extends Error {
  constructor() {
    super('start-up interrupted: stopped what had started; nothing is running')
    this.name = 'StartInterrupted'
  }
}

/** Deckies that run in this process until stopped (local engine, foreground). */
export interface RunningDeployment {
  snapshot(): DeckyStatus[]
  /** Services whose first start failed for a reason other than binding (they keep retrying). */
  failing(): { decky: string; service: string; error: string }[]
  /** Stops every decky; idempotent. */
  stop(): Promise<void>
  /** Resolves once the deckies stopped and the runner cleaned up after them (never rejects). */
  readonly done: Promise<void>
}

export interface Applied {
  /** Lines for the operator: what was written or started where, how to follow and stop it. */
  notes: string[]
  /** Set when the deckies run in this process: the command stays until they stopped. */
  running?: RunningDeployment
}

/** How the process that ran the deckies ended in a teardown. */
export type RunnerOutcome =
  /** asked (control channel or SIGTERM), it exited within the grace period */
  | 'exited'
  /** it did not exit within graceMs and was sent SIGKILL */
  | 'killed'
  /** it had exited before (the state was stale); nothing was stopped */
  | 'gone'
  /** it keeps running the other deckies (teardown --id) */
  | 'running'
  /** this very process ran the deckies and stopped them */
  | 'self'

export interface TeardownResult {
  /** Deckies no longer deployed. */
  stopped: string[]
  /** The whole deployment is gone (its state removed). */
  all: boolean
  /** How the engine stopped them, when it says (docker: 'docker compose down'). */
  via?: string
  /** Engines with a runner process: which one, and how it ended. */
  runner?: { pid: number; outcome: RunnerOutcome; graceMs: number }
}

export interface Engine {
  readonly name: EngineName
  /** The plan for this fleet; throws the one-line error of anything that would refuse it (touches nothing). */
  plan(fleet: FleetConfig): Promise<EnginePlan>
  /** --dry-run, after the plan is shown: what this engine does short of running it (docker writes the compose file). */
  preview(fleet: FleetConfig, plan: EnginePlan): Promise<string[]>
  /** Runs the plan and records the deployment (state.json). */
  apply(fleet: FleetConfig, plan: EnginePlan, ctx?: ApplyContext): Promise<Applied>
  /** The recorded deployment as it is now, or undefined when there is none. */
  status(): Promise<EngineStatus | undefined>
  /** Stops the named deckies, or everything when names is undefined or empty. */
  teardown(names?: string[]): Promise<TeardownResult>
}

/** Services a plan will actually run. */
export function runnable(d: PlannedDecky): PlannedService[] {
  return d.services.filter((s) => !s.skip)
}

export function runnableCount(plan: EnginePlan): number {
  return plan.deckies.reduce((n, d) => n + runnable(d).length, 0)
}

export function describePorts(ports: PlannedPort[]): string {
  return ports.map((p) => (p.proto === 'udp' ? `${p.bound}/udp` : String(p.bound))).join(',')
}
