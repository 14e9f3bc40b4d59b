// decnet status: the deckies of the current deployment, their services with
// state and bound ports, whether the runner lives, and what the store holds.
import type { Command } from 'commander'
import { decnetHome } from '../../runtime/paths.js'
import { openStore, type StoreCounts } from '../../store/index.js'
import { pidAlive, readState, type DeploymentState } from '../../engines/state.js'
import { describePorts, type ServiceStatus } from '../../engines/engine.js'
import { printTable } from '../table.js'

export interface StatusReport {
  active: boolean
  engine?: string
  pid?: number
  runner_alive?: boolean
  started_at?: string
  port_offset?: number
  compose_path?: string
  log_path?: string
  deckies: DeploymentState['deckies']
  counts?: StoreCounts
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
  const state = readState(home)
  if (!state) return { active: false, deckies: [] }
  const counts = await storeCounts(home)
  return {
    active: true,
    engine: state.engine,
    ...(state.pid !== undefined ? { pid: state.pid, runner_alive: pidAlive(state.pid) } : {}),
    started_at: state.started_at,
    port_offset: state.port_offset,
    ...(state.compose_path ? { compose_path: state.compose_path } : {}),
    ...(state.log_path ? { log_path: state.log_path } : {}),
    deckies: state.deckies,
    ...(counts ? { counts } : {}),
  }
}

function serviceCell(s: ServiceStatus): string {
  if (s.skip) return `${s.name}(${s.skip})`
  const ports = describePorts(s.ports)
  return `${s.name}(${s.state}${ports ? ` ${ports}` : ''}${s.restarts ? `, ${s.restarts} restarts` : ''})`
}

export async function statusCommand(opts: { json?: boolean }, home: string = decnetHome()): Promise<void> {
  const r = await statusReport(home)
  if (opts.json) {
    process.stdout.write(JSON.stringify(r, null, 2) + '\n')
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
  if (r.engine === 'local') {
    const alive = r.runner_alive
      ? `running (pid ${r.pid})`
      : `NOT running (pid ${r.pid ?? '?'} is gone; decnet teardown --all clears the stale state)`
    process.stdout.write(`runner: ${alive}, since ${r.started_at}${r.port_offset ? `, port offset ${r.port_offset}` : ''}\n`)
  } else {
    process.stdout.write(`engine: ${r.engine}, compose file ${r.compose_path ?? '?'}\n`)
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
