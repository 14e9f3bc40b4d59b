// Stand-ins for the local engine's runner process in teardown and status
// tests: a `node -e` child (ready once it printed "ready", so its signal
// handlers are in place) and the deployment record that names it.
import { spawn, type ChildProcess } from 'node:child_process'
import type { DeploymentRecord } from '../../src/engines/state.js'
import { processStartTime } from '../../src/engines/runner-process.js'

export interface FakeRunner {
  child: ChildProcess
  pid: number
  /** Resolves with the exit code or signal once the child is gone. */
  exited: Promise<number | NodeJS.Signals | null>
}

/** A node child running `script` (which must print "ready\n" once set up); killed after the test. */
export async function spawnFakeRunner(t: { after(f: () => void): void }, script: string, env: NodeJS.ProcessEnv = {}): Promise<FakeRunner> {
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } })
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, sig) => resolve(sig ?? code)))
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  await new Promise<void>((resolve, reject) => {
    let out = ''
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (c: string) => {
      out += c
      if (out.includes('ready\n')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`fake runner exited early (${code}): ${out}`)))
  })
  if (child.pid === undefined) throw new Error('no pid')
  return { child, pid: child.pid, exited }
}

/** Scripts for spawnFakeRunner. */
export const RUNNERS = {
  /** Exits on SIGTERM (node's default). */
  polite: `setInterval(() => {}, 1e9); process.stdout.write('ready\\n')`,
  /** Ignores SIGTERM: only SIGKILL ends it. */
  stubborn: `process.on('SIGTERM', () => {}); setInterval(() => {}, 1e9); process.stdout.write('ready\\n')`,
  /**
   * Serves a control socket at $SOCK like the real runner: on {"op":"stop"} it answers ok,
   * removes $STATE at once, and exits only $LINGER ms later (a runner still closing).
   */
  control: `
    const net = require('node:net'), fs = require('node:fs')
    process.on('SIGTERM', () => {})
    const server = net.createServer((s) => s.on('data', (d) => {
      if (!String(d).includes('"stop"')) return s.end(JSON.stringify({ ok: false }) + '\\n')
      s.end(JSON.stringify({ ok: true, remaining: [] }) + '\\n')
      fs.rmSync(process.env.STATE, { force: true })
      server.close()
      setTimeout(() => process.exit(0), Number(process.env.LINGER))
    }))
    server.listen(process.env.SOCK, () => process.stdout.write('ready\\n'))
    setInterval(() => {}, 1e9)`,
} as const

/** A local deployment record whose runner is pid (start time read now unless given). */
export function recordFor(pid: number, o: { names?: string[]; startTime?: number; controlSocket?: string; phase?: DeploymentRecord['phase'] } = {}): DeploymentRecord {
  const names = o.names ?? ['decky-01', 'decky-02']
  const start = o.startTime ?? processStartTime(pid)
  return {
    version: 1,
    engine: 'local',
    phase: o.phase ?? 'running',
    pid,
    ...(start !== undefined ? { pid_start: start } : {}),
    started_at: '2026-11-28T01:00:00.000Z',
    updated_at: '2026-11-28T01:00:00.000Z',
    port_offset: 20_000,
    ...(o.controlSocket ? { control_socket: o.controlSocket } : {}),
    config: {
      mode: 'unihost', ipvlan: false, customServices: [],
      deckies: names.map((name, i) => ({
        name, ip: `127.42.0.${i + 1}`, services: ['http'], distro: 'debian', baseImage: 'debian:bookworm-slim',
        buildBase: 'debian:bookworm-slim', hostname: `SRV-${i}`, serviceConfig: {}, nmapOs: 'linux',
      })),
    },
    deckies: names.map((name, i) => ({
      name, ip: `127.42.0.${i + 1}`, hostname: `SRV-${i}`, os: 'linux',
      services: [{ name: 'http', state: 'running' as const, ports: [{ proto: 'tcp' as const, declared: 80, bound: 20_080 }], restarts: 0 }],
    })),
  }
}
