// CLI entry. Each file in ./commands registers one command; only main() ends
// the process (and a runner once its deployment stopped: process-exit.ts).
// User errors print one line and exit 2; bugs print a stack.
import { readdirSync } from 'node:fs'
import { dirname, join, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Command, CommanderError } from 'commander'
import { isUserError } from '../errors.js'
import { setOwnsProcess } from './process-exit.js'
import { termSafe } from './sanitize.js'
import { guardPipes } from './terminal.js'
import { decnetHome } from '../runtime/paths.js'

export interface CommandModule {
  register(program: Command): void
}

const HERE = dirname(fileURLToPath(import.meta.url))

export async function buildProgram(): Promise<Command> {
  const program = new Command('decnet')
    .description('A honeypot deception network: decoy hosts with emulated services; every touch is an event.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
  const dir = join(HERE, 'commands')
  const files = readdirSync(dir)
    .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts') && !/\.test\.(ts|js)$/.test(f))
    .sort()
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as Partial<CommandModule>
    mod.register?.(program)
  }
  return program
}

/** An error from the file system inside the data directory: the directory is not ours to write. */
function dataDirError(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException
  if (!err || typeof err !== 'object' || !['EACCES', 'EPERM', 'EROFS'].includes(err.code ?? '')) return undefined
  const home = decnetHome()
  const path = typeof err.path === 'string' ? err.path : ''
  if (path !== home && !path.startsWith(home.endsWith(sep) ? home : home + sep) && !home.startsWith(path + sep)) return undefined
  const why = err.code === 'EROFS' ? 'is on a read-only file system' : 'is not writable (permission denied)'
  return `the data directory ${home} ${why}; set DECNET_HOME to a directory you can write`
}

export interface MainOptions {
  /** This process is the CLI's own (bin/decnet.js): a runner may end it once its deployment stopped. */
  ownsProcess?: boolean
}

/** Runs the CLI; resolves to the exit code. Commands set process.exitCode for non-zero results. */
export async function main(argv: string[], opts: MainOptions = {}): Promise<number> {
  setOwnsProcess(opts.ownsProcess === true)
  guardPipes() // `decnet logs | head`: a closed pipe ends the command quietly, never a throw or a loop
  const program = await buildProgram()
  try {
    await program.parseAsync(argv)
    return typeof process.exitCode === 'number' ? process.exitCode : 0
  } catch (e) {
    if (e instanceof CommanderError) {
      // help/version exit 0; usage errors were printed by commander
      return e.exitCode === 0 ? 0 : 2
    }
    if (isUserError(e)) {
      // messages may quote attacker or file data: escaped, keeping only our own line breaks
      process.stderr.write(`decnet: ${e.message.split('\n').map((l) => termSafe(l)).join('\n')}\n`)
      return e.exitCode
    }
    const dataDir = dataDirError(e)
    if (dataDir !== undefined) {
      process.stderr.write(`decnet: ${termSafe(dataDir)}\n`)
      return 2
    }
    throw e
  }
}
