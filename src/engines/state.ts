// The deployment record, <DECNET_HOME>/state.json (the layout of DECNET's,
// adapted): the fleet config, the engine, the runner process and what each
// service of each decky is doing. One type for every engine; written whole
// and atomically; deleted when the deployment is gone.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FleetConfig } from '../config/model.js'
import { decnetHome } from '../runtime/paths.js'
import { UserError } from '../errors.js'
import type { DeckyStatus, EngineName, EngineStatus } from './engine.js'
import { pidAlive, processAlive, type ProcessIdentity } from './runner-process.js'
import { invokedAs } from '../cli/words.js'

export { pidAlive }

export const STATE_VERSION = 1
export const STATE_FILE = 'state.json'

export type DeploymentPhase = 'starting' | 'running' | 'stopping'

export interface DeploymentRecord {
  version: number
  engine: EngineName
  phase: DeploymentPhase
  /** Process that runs the deckies (local engine). */
  pid?: number
  /** Its start time (/proc/<pid>/stat starttime): tells it from a process that reused the pid. */
  pid_start?: number
  started_at: string
  updated_at: string
  port_offset: number
  /** docker: absolute path of the compose file. */
  compose_path?: string
  /** local: Unix socket of the runner's control channel. */
  control_socket?: string
  /** local --detach: where the runner's output goes. */
  log_path?: string
  log_target?: string
  config: FleetConfig
  deckies: DeckyStatus[]
}

/** The same record, by its older name. */
export type DeploymentState = DeploymentRecord

export function statePath(home: string = decnetHome()): string {
  return join(home, STATE_FILE)
}

/** The state, or undefined when there is no deployment. A corrupt file is a user error naming it. */
export function readState(home: string = decnetHome()): DeploymentRecord | undefined {
  const path = statePath(home)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new UserError('STATE_MISSING', `${path}: cannot read: ${(e as Error).message}`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new UserError('STATE_MISSING', `${path}: not valid JSON; remove it if no deployment is running`)
  }
  if (!isState(parsed)) throw new UserError('STATE_MISSING', `${path}: not a decnet state file (version ${STATE_VERSION}); remove it if no deployment is running`)
  return parsed
}

function isState(v: unknown): v is DeploymentRecord {
  if (typeof v !== 'object' || v === null) return false
  const s = v as Partial<DeploymentRecord>
  return s.version === STATE_VERSION && typeof s.engine === 'string' && Array.isArray(s.deckies) &&
    typeof s.config === 'object' && s.config !== null && Array.isArray(s.config.deckies)
}

/** Atomic replace: readers never see half a file. */
export function writeState(state: DeploymentRecord, home: string = decnetHome()): void {
  mkdirSync(home, { recursive: true, mode: 0o700 })
  const path = statePath(home)
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify({ ...state, updated_at: new Date().toISOString() }, null, 2) + '\n', { mode: 0o600 })
  renameSync(tmp, path)
}

export function removeState(home: string = decnetHome()): void {
  rmSync(statePath(home), { force: true })
}

/** The recorded runner process, if the engine runs one. */
export function runnerOf(state: DeploymentRecord): ProcessIdentity | undefined {
  if (state.pid === undefined) return undefined
  return { pid: state.pid, ...(state.pid_start !== undefined ? { startTime: state.pid_start } : {}) }
}

/** The recorded runner still runs (undefined: the engine has no runner). */
export function runnerAlive(state: DeploymentRecord): boolean | undefined {
  const who = runnerOf(state)
  return who ? processAlive(who) : undefined
}

/** A record whose runner died: nothing of it runs any more. */
export function isStale(state: DeploymentRecord): boolean {
  return runnerAlive(state) === false
}

/** What `decnet status` shows of a record: service states never say 'running' once the runner is gone. */
export function recordStatus(state: DeploymentRecord): EngineStatus {
  const alive = runnerAlive(state)
  const dead = alive === false
  return {
    engine: state.engine,
    phase: state.phase,
    startedAt: state.started_at,
    portOffset: state.port_offset,
    ...(state.pid !== undefined ? { runner: { pid: state.pid, alive: alive === true } } : {}),
    ...(state.compose_path ? { composePath: state.compose_path } : {}),
    ...(state.log_path ? { logPath: state.log_path } : {}),
    deckies: !dead ? state.deckies : state.deckies.map((d) => ({
      ...d,
      services: d.services.map((s) => (s.state === 'skipped' || s.state === 'unavailable' ? s : { ...s, state: 'stopped' as const })),
    })),
  }
}

/** Refuses a deploy while another deployment runs (a record whose runner died does not count). */
export function assertNoActiveDeployment(home: string): void {
  const state = readState(home)
  if (!state || isStale(state) || state.pid === process.pid) return
  const who = state.pid !== undefined ? `pid ${state.pid}` : `compose file ${state.compose_path ?? '?'}`
  throw new UserError('DEPLOYMENT_ACTIVE', `a ${state.engine} deployment is already running (${who}); stop it first with: ${invokedAs()} teardown --all`)
}

/** Drops deckies from a state (teardown --id); both the config and the status lists. */
export function withoutDeckies(state: DeploymentRecord, names: readonly string[]): DeploymentRecord {
  const gone = new Set(names)
  return {
    ...state,
    config: { ...state.config, deckies: state.config.deckies.filter((d) => !gone.has(d.name)) },
    deckies: state.deckies.filter((d) => !gone.has(d.name)),
  }
}
