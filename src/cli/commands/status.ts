// decnet status: the deckies of the current deployment, their services with
// state and bound ports, whether the runner lives, and what the store holds.
// A service is never shown 'running' once its runner is gone.
import type { Command } from 'commander'
import { decnetHome } from '../../runtime/paths.js'
import { openStore, type StoreCounts } from '../../store/index.js'
import { readState, type DeploymentPhase } from '../../engines/state.js'
import { getService, hasService, loadServices } from '../../services/registry.js'
import { describePorts, type DeckyStatus, type ServiceStatus } from '../../engines/engine.js'
import { deployedEngine } from '../../engines/registry.js'
import { jsonSafe, termSafe } from '../sanitize.js'
import { printTable } from '../table.js'
import { invokedAs } from '../words.js'

export interface StatusReport {
  active: boolean
  engine?: string
  phase?: DeploymentPhase
  pid?: number
  runner_alive?: boolean
  started_at?: string
  port_offset?: number
  compose_path?: string
  log_path?: string
  deckies: DeckyStatus[]
  /** The logins each decky's services accept (persona keys; mail accounts are seeded per decky, see docs/mail.md). */
  bait?: { decky: string; service: string; user: string; password: string }[]
  counts?: StoreCounts
}

/** Bait accounts of the deployed fleet, from the persona keys the deployment record holds. */
export async function baitOf(home: string): Promise<NonNullable<StatusReport['bait']>> {
  const record = readState(home)
  if (!record) return []
  await loadServices()
  const out: NonNullable<StatusReport['bait']> = []
  for (const d of record.config.deckies) {
    for (const name of d.services) {
      if (!hasService(name)) continue
      const plugin = getService(name)
      let cfg
      try {
        cfg = plugin.resolveConfig(d.serviceConfig[name] ?? {})
      } catch {
        continue // validated at deploy; a record from another version may not resolve
      }
      for (const a of plugin.baitAccounts(cfg)) out.push({ decky: d.name, service: name, ...a })
    }
  }
  return out
}

async function storeCounts(home: string): Promise<StoreCounts | undefined> {
  try {
    const store = openStore(home)
    try {
      return await store.counts()
    } finally {
      await store.close()
    }
  } catch {
    return undefined
  }
}

export async function statusReport(home: string = decnetHome()): Promise<StatusReport> {
  const s = await deployedEngine(home)?.status()
  if (!s) return { active: false, deckies: [] }
  const counts = await storeCounts(home)
  return {
    active: true,
    engine: s.engine,
    phase: s.phase,
    ...(s.runner ? { pid: s.runner.pid, runner_alive: s.runner.alive } : {}),
    started_at: s.startedAt,
    port_offset: s.portOffset,
    ...(s.composePath ? { compose_path: s.composePath } : {}),
    ...(s.logPath ? { log_path: s.logPath } : {}),
    deckies: s.deckies,
    bait: await baitOf(home),
    ...(counts ? { counts } : {}),
  }
}

function serviceCell(s: ServiceStatus): string {
  if (s.skip) return `${s.name}(${s.skip})`
  const ports = describePorts(s.ports)
  return `${s.name}(${s.state}${ports ? ` ${ports}` : ''}${s.restarts ? `, ${s.restarts} restarts` : ''})`
}

/** The line under the table: the runner process if the engine has one, else the engine. */
export function runnerLine(r: StatusReport): string {
  if (r.pid === undefined) return `engine: ${r.engine}${r.compose_path ? `, compose file ${r.compose_path}` : ''}`
  const how = !r.runner_alive
    ? `NOT running (pid ${r.pid} is gone; ${invokedAs()} teardown --all clears the stale state)`
    : r.phase === 'running' ? `running (pid ${r.pid})` : `${r.phase ?? 'running'} (pid ${r.pid})`
  return `runner: ${how}, since ${r.started_at}${r.port_offset ? `, port offset ${r.port_offset}` : ''}`
}

export async function statusCommand(opts: { json?: boolean }, home: string = decnetHome()): Promise<void> {
  const r = await statusReport(home)
  if (opts.json) {
    process.stdout.write(jsonSafe(r, 2) + '\n')
    return
  }
  if (!r.active) {
    process.stdout.write('No active deployment.\n')
    return
  }
  printTable(
    ['Decky', 'IP', 'Hostname', 'OS', 'Services'],
    r.deckies.map((d) => [d.name, d.ip, d.hostname, d.os, d.services.map(serviceCell).join(', ')]),
  )
  process.stdout.write(termSafe(runnerLine(r)) + '\n')
  if (r.bait?.length) {
    process.stdout.write('\nBait accounts (these logins succeed; every attempt is captured):\n')
    printTable(['Decky', 'Service', 'User', 'Password'], r.bait.map((b) => [b.decky, b.service, b.user, b.password]))
  }
  if (r.counts) process.stdout.write(`store: ${r.counts.events} events, ${r.counts.credentials} credentials, ${r.counts.artifacts} artifacts, ${r.counts.attackers} attackers\n`)
}

export function register(program: Command): void {
  program
    .command('status')
    .description('Show the deployed deckies, their services and ports, the runner, and event/credential counts')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => statusCommand(opts))
}
