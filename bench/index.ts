// npm run bench [-- substring...]: runs every bench/*.bench.ts in name order.
// A bench module exports `name` (optional) and `run(): Promise<void>`, and
// prints its own small table.
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

interface BenchModule {
  name?: string
  run?: () => Promise<void>
}

const HERE = dirname(fileURLToPath(import.meta.url))
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'))
const files = readdirSync(HERE)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()

if (files.length === 0) {
  process.stderr.write('no bench files matched\n')
  process.exitCode = 1
}
for (const f of files) {
  const mod = (await import(pathToFileURL(join(HERE, f)).href)) as BenchModule
  if (typeof mod.run !== 'function') {
    process.stderr.write(`bench/${f}: exports no run()\n`)
    process.exitCode = 1
    continue
  }
  process.stdout.write(`\n== ${mod.name ?? f.replace(/\.bench\.ts$/, '')} ==\n`)
  const started = performance.now()
  await mod.run()
  process.stdout.write(`(${((performance.now() - started) / 1000).toFixed(1)} s)\n`)
}
