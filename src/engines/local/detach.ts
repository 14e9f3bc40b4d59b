// `decnet deploy --detach`: hand the already-resolved fleet to a detached
// child of this same CLI (stdout/stderr appended to <home>/decnet.log) and
// return once the child reports ready in the state file, or report its error.
import { spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import type { FleetConfig } from '../../config/model.js'
import { UserError } from '../../errors.js'
import { readState } from '../state.js'
import { writeFleetFile } from '../fleet-file.js'

export { FLEET_FILE, readFleetFile, writeFleetFile } from '../fleet-file.js'
export const LOG_FILE = 'decnet.log'
export const READY_TIMEOUT_MS = 60_000
const POLL_MS = 100
/** How much of the log's tail is searched for the child's error line. */
const TAIL_BYTES = 16 * 1024

export interface DetachOptions {
  home: string
  fleet: FleetConfig
  portOffset: number
  logTarget?: string
  /** Interface the background runner sniffs on (deploy --sniff). */
  sniff?: string
  /** The CLI entry to re-run (process.argv[1]). */
  entry: string
  /** Node flags to keep (process.execArgv: tsx loader in tests). */
  execArgv?: string[]
}

export interface Detached {
  pid: number
  logPath: string
}

function logTail(path: string, from: number): string {
  try {
    const size = statSync(path).size
    const start = Math.max(from, size - TAIL_BYTES)
    return readFileSync(path).subarray(start).toString('utf8')
  } catch {
    return ''
  }
}

/** The child's last "decnet: …" line, which is how main() reports a user error. */
export function lastErrorLine(text: string): string | undefined {
  const lines = text.split('\n').filter((l) => l.startsWith('decnet: '))
  return lines.at(-1)?.slice('decnet: '.length)
}

/** A line by which the child says its deploy failed for good (it ends right after): reported at once, not after the ready timeout. */
export function fatalLine(text: string): string | undefined {
  const lines = text.split('\n').filter((l) => l.startsWith('decnet: ') && /(nothing deployed|nothing is running)\.?$/.test(l))
  return lines.at(-1)?.slice('decnet: '.length)
}

export async function detach(o: DetachOptions): Promise<Detached> {
  const fleetFile = writeFleetFile(o.home, o.fleet)
  const logPath = join(o.home, LOG_FILE)
  const fd = openSync(logPath, 'a', 0o600)
  const logStart = statSync(logPath).size
  writeSync(fd, `--- decnet deploy --detach ${new Date().toISOString()} ---\n`)
  const args = [...(o.execArgv ?? []), o.entry, 'deploy', '--engine', 'local', '--fleet-file', fleetFile, '--port-offset', String(o.portOffset)]
  if (o.logTarget) args.push('--log-target', o.logTarget)
  if (o.sniff) args.push('--sniff', o.sniff)
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, DECNET_HOME: o.home, DECNET_DETACHED: '1' },
  })
  closeSync(fd)
  let exited: number | null | undefined
  child.once('exit', (code) => {
    exited = code
  })
  child.unref()
  const pid = child.pid
  if (pid === undefined) throw new UserError('DEPLOY_FAILED', `could not start the background runner; see ${logPath}`)

  const until = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, POLL_MS))
    let state
    try {
      state = readState(o.home)
    } catch {
      state = undefined // mid-write by the child; next poll
    }
    if (state?.pid === pid && state.phase === 'running') return { pid, logPath }
    const fatal = exited === undefined ? fatalLine(logTail(logPath, logStart)) : undefined
    if (fatal !== undefined) {
      // the child said why it fails; it ends by itself, and SIGTERM makes sure it does
      try {
        process.kill(pid, 'SIGTERM')
      } catch {
        // already gone
      }
      throw new UserError('DEPLOY_FAILED', fatal)
    }
    if (exited !== undefined) {
      const why = lastErrorLine(logTail(logPath, logStart)) ?? `the background runner exited (code ${exited}); see ${logPath}`
      throw new UserError('DEPLOY_FAILED', why)
    }
  }
  try {
    process.kill(pid, 'SIGTERM')
  } catch {
    // already gone
  }
  throw new UserError('DEPLOY_FAILED', `the background runner did not get ready within ${READY_TIMEOUT_MS / 1000} s; see ${logPath}`)
}
