// decnet teardown --all | --id NAME: stop every decky, or one. Returns once
// the deckies are really gone: for the local engine, once the runner process
// has exited (killed after a grace period if it must be).
import type { Command } from 'commander'
import { UserError } from '../../errors.js'
import { decnetHome } from '../../runtime/paths.js'
import type { TeardownResult } from '../../engines/engine.js'
import { deployedEngine } from '../../engines/registry.js'

export interface TeardownFlags {
  all?: boolean
  id?: string[]
}

const deckies = (n: number): string => `${n} ${n === 1 ? 'decky' : 'deckies'}`

/** What teardown prints: a warning line (stderr) if the runner had to be killed, then the result (stdout). */
export function describeTeardown(r: TeardownResult): { warning?: string; line: string } {
  const runner = r.runner
  if (runner?.outcome === 'gone') {
    const what = r.all ? `removed the stale state (${deckies(r.stopped.length)})` : `removed ${r.stopped.join(', ')} from the stale state`
    return { line: `Nothing to stop: the runner (pid ${runner.pid}) had already exited; ${what}.` }
  }
  const line = !r.all ? `Stopped ${r.stopped.join(', ')}.` : r.via ? `Stopped every decky (${r.via}).` : `Stopped ${deckies(r.stopped.length)}.`
  if (runner?.outcome === 'killed') {
    return { warning: `the runner (pid ${runner.pid}) did not stop within ${runner.graceMs / 1000} s; killed it`, line }
  }
  return { line }
}

export async function teardownCommand(
  flags: TeardownFlags,
  home: string = decnetHome(),
  warn: (line: string) => void = (l) => process.stderr.write(`decnet: ${l}\n`),
): Promise<string> {
  const ids = flags.id ?? []
  if (!flags.all && ids.length === 0) throw new UserError('FLAG_INVALID', 'Specify --all or --id <name>.')
  if (flags.all && ids.length) throw new UserError('FLAG_INVALID', '--all and --id exclude each other.')
  const engine = deployedEngine(home)
  if (!engine) throw new UserError('STATE_MISSING', 'No active deployment found.')
  const out = describeTeardown(await engine.teardown(flags.all ? undefined : ids))
  if (out.warning) warn(out.warning)
  return out.line
}

export function register(program: Command): void {
  program
    .command('teardown')
    .description('Stop the deployment (--all) or one decky (--id NAME)')
    .option('--all', 'stop every decky and remove the deployment state')
    .option('--id <name...>', 'stop only these deckies')
    .action(async (flags: TeardownFlags) => {
      process.stdout.write((await teardownCommand(flags)) + '\n')
    })
}
