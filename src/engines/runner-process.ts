// The process that runs the deckies (the local engine's runner), seen from
// another process: is it still the one we recorded, and stop it for certain.
// A pid alone may belong to another program once the runner died, so the
// state records its start time too (/proc/<pid>/stat field 22, clock ticks
// after boot); a zombie counts as exited.
import { existsSync, readFileSync } from 'node:fs'
import { UserError } from '../errors.js'

/** How long a runner has, once asked to stop, before it is sent SIGKILL. */
export const STOP_GRACE_MS = 5_000
/** How long SIGKILL may take to show. */
export const KILL_WAIT_MS = 2_000
const POLL_MS = 50

export interface ProcessIdentity {
  pid: number
  /** /proc/<pid>/stat starttime when it was recorded; undefined: not known (pid only). */
  startTime?: number
}

/** Fields 3… of /proc/<pid>/stat (after "pid (comm) "), or undefined when there is no such process. */
function procStat(pid: number): string[] | undefined {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  const close = text.lastIndexOf(')') // comm may hold spaces and parentheses
  return close < 0 ? undefined : text.slice(close + 2).trim().split(' ')
}

const hasProc = (): boolean => existsSync('/proc/self/stat')

/** Start time of a process (clock ticks after boot), or undefined without /proc. */
export function processStartTime(pid: number): number | undefined {
  const v = Number(procStat(pid)?.[19])
  return Number.isSafeInteger(v) ? v : undefined
}

/** The pid exists (kill 0; EPERM: alive but someone else's). */
export function pidAlive(pid: number | undefined): boolean {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The recorded process still runs: its pid exists, is no zombie, and (when recorded) started when it did. */
export function processAlive(who: ProcessIdentity): boolean {
  if (!pidAlive(who.pid)) return false
  if (!hasProc()) return true // no procfs: the pid is all we know
  const stat = procStat(who.pid)
  if (!stat) return false // exited between the two looks
  if (stat[0] === 'Z' || stat[0] === 'X') return false
  if (who.startTime !== undefined && Number(stat[19]) !== who.startTime) return false // pid reused
  return true
}

/** Polls until the process exited; false when it still runs after ms. */
export async function waitForExit(who: ProcessIdentity, ms: number): Promise<boolean> {
  const until = Date.now() + ms
  for (;;) {
    if (!processAlive(who)) return true
    if (Date.now() >= until) return false
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
}

/** Sends sig to the recorded process only (never to whoever reused its pid). SIGKILL takes its process group along when it leads one (tcpdump children). */
function signal(who: ProcessIdentity, sig: NodeJS.Signals): void {
  if (!processAlive(who)) return
  const leader = sig === 'SIGKILL' && Number(procStat(who.pid)?.[2]) === who.pid
  try {
    process.kill(leader ? -who.pid : who.pid, sig)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ESRCH') return
    if (code === 'EPERM') throw new UserError('DEPLOY_FAILED', `cannot signal the runner (pid ${who.pid}): it runs as another user; stop it as that user`)
    throw e
  }
}

export interface StopOptions {
  /** Asks the process to stop (its control channel); resolves false when nobody answered, and SIGTERM is sent instead. */
  ask?: () => Promise<boolean>
  graceMs?: number
  killWaitMs?: number
}

/** Asks (or SIGTERMs) the process, waits graceMs for it to exit, else SIGKILLs it. Resolves once it is gone. */
export async function stopProcess(who: ProcessIdentity, o: StopOptions = {}): Promise<'exited' | 'killed'> {
  if (who.pid === process.pid) throw new Error('stopProcess: refusing to stop this very process')
  if (!processAlive(who)) return 'exited'
  const asked = o.ask ? await o.ask().catch(() => false) : false
  if (!asked) signal(who, 'SIGTERM')
  if (await waitForExit(who, o.graceMs ?? STOP_GRACE_MS)) return 'exited'
  signal(who, 'SIGKILL')
  if (await waitForExit(who, o.killWaitMs ?? KILL_WAIT_MS)) return 'killed'
  throw new UserError('DEPLOY_FAILED', `the runner (pid ${who.pid}) is still there after SIGKILL; see ps -p ${who.pid}`)
}
