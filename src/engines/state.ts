// The deployment state file, <DECNET_HOME>/state.json (framework.md §3.6,
// adapted): the fleet config, the engine, the runner's pid and what each
// service of each decky is doing. Written whole and atomically; deleted by a
// full teardown.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FleetConfig } from '../config/model.js'
import { decnetHome } from '../runtime/paths.js'
import { UserError } from '../errors.js'
import type { DeckyStatus, EngineName } from './engine.js'

export const STATE_VERSION = 1
export const STATE_FILE = 'state.json'

export type DeploymentPhase = 'starting' | 'running' | 'stopping'

export interface DeploymentState {
  version: number
  engine: EngineName
  phase: DeploymentPhase
  /** Process that runs the deckies (local engine). */
  pid?: number
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

export function statePath(home: string = decnetHome()): string {
  return join(home, STATE_FILE)
}

/** The state, or undefined when there is no deployment. A corrupt file is a user error naming it. */
export function readState(home: string = decnetHome()): DeploymentState | undefined {
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

function isState(v: unknown): v is DeploymentState {
  if (typeof v !== 'object' || v === null) return false
  const s = v as Partial<DeploymentState>
  return s.version === STATE_VERSION && typeof s.engine === 'string' && Array.isArray(s.deckies) &&
    typeof s.config === 'object' && s.config !== null && Array.isArray(s.config.deckies)
}

/** Atomic replace: readers never see half a file. */
export function writeState(state: DeploymentState, home: string = decnetHome()): void {
  mkdirSync(home, { recursive: true, mode: 0o700 })
  const path = statePath(home)
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify({ ...state, updated_at: new Date().toISOString() }, null, 2) + '\n', { mode: 0o600 })
  renameSync(tmp, path)
}

export function removeState(home: string = decnetHome()): void {
  rmSync(statePath(home), { force: true })
}

export function pidAlive(pid: number | undefined): boolean {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: alive, but someone else's
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Drops deckies from a state (teardown --id); both the config and the status lists. */
export function withoutDeckies(state: DeploymentState, names: readonly string[]): DeploymentState {
  const gone = new Set(names)
  return {
    ...state,
    config: { ...state.config, deckies: state.config.deckies.filter((d) => !gone.has(d.name)) },
    deckies: state.deckies.filter((d) => !gone.has(d.name)),
  }
}
