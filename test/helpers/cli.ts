// Runs the CLI in process through main(), capturing what it writes.
import { main } from '../../src/cli/main.js'

/**
 * Runs the CLI in process, capturing what it writes. The CLI writes strings;
 * node:test's own reports (binary chunks on the same stdout) pass through.
 */
export async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const o = process.stdout.write.bind(process.stdout)
  const e = process.stderr.write.bind(process.stderr)
  const capture = (orig: typeof o, add: (s: string) => void) =>
    ((chunk: string | Uint8Array, ...rest: never[]) => {
      if (typeof chunk !== 'string') return orig(chunk, ...rest)
      add(chunk)
      return true
    }) as typeof process.stdout.write
  process.stdout.write = capture(o, (s) => (out += s))
  process.stderr.write = capture(e, (s) => (err += s))
  const before = process.exitCode
  process.exitCode = undefined // main() reports it; a failed test before us may have set it
  try {
    const code = await main(['node', 'decnet', ...args])
    return { code, out, err }
  } finally {
    process.stdout.write = o
    process.stderr.write = e
    process.exitCode = before
  }
}

