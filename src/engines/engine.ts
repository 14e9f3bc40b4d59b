// One interface for every engine. An engine first computes a plan (data: what
// would be bound or created where) that --dry-run prints and tests assert;
// only deploy() touches the host.
import type { FleetConfig } from '../config/model.js'

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

export interface EngineStatus {
  engine: EngineName
  /** Pid of the process that runs the deckies (local engine), if any. */
  pid?: number
  running: boolean
  startedAt?: string
  deckies: DeckyStatus[]
}

export interface Engine {
  readonly name: EngineName
  plan(fleet: FleetConfig): Promise<EnginePlan>
  deploy(fleet: FleetConfig): Promise<unknown>
  status(): Promise<EngineStatus | undefined>
  /** Stop the named deckies, or everything when names is undefined. */
  teardown(names?: string[]): Promise<void>
}

/** Services a plan will actually run. */
export function runnable(d: PlannedDecky): PlannedService[] {
  return d.services.filter((s) => !s.skip)
}

export function describePorts(ports: PlannedPort[]): string {
  return ports.map((p) => (p.proto === 'udp' ? `${p.bound}/udp` : String(p.bound))).join(',')
}
