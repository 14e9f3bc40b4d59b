// decnet teardown --all | --id NAME: stop every decky, or one.
import type { Command } from 'commander'
import { UserError } from '../../errors.js'
import { decnetHome } from '../../runtime/paths.js'
import { readState } from '../../engines/state.js'
import { teardownLocal } from '../../engines/local/index.js'
import { DockerEngine } from '../../engines/docker/index.js'

export interface TeardownFlags {
  all?: boolean
  id?: string[]
}

export async function teardownCommand(flags: TeardownFlags, home: string = decnetHome()): Promise<string> {
  const ids = flags.id ?? []
  if (!flags.all && ids.length === 0) throw new UserError('FLAG_INVALID', 'Specify --all or --id <name>.')
  if (flags.all && ids.length) throw new UserError('FLAG_INVALID', '--all and --id exclude each other.')
  const state = readState(home)
  if (!state) throw new UserError('STATE_MISSING', 'No active deployment found.')
  if (state.engine === 'docker') {
    await new DockerEngine({ home }).teardown(flags.all ? undefined : ids)
    return flags.all ? 'Stopped every decky (docker compose down).' : `Stopped ${ids.join(', ')}.`
  }
  const stopped = await teardownLocal(home, state, flags.all ? undefined : ids)
  return flags.all ? `Stopped ${stopped.length} ${stopped.length === 1 ? 'decky' : 'deckies'}.` : `Stopped ${stopped.join(', ')}.`
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
