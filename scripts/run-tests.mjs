#!/usr/bin/env node
// Runs the node:test suites through tsx. Node 20's --test takes no globs, so we
// find the files here. `--e2e` runs the lane that needs Debian tools (test/e2e).
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { availableParallelism } from 'node:os'

const args = process.argv.slice(2)
const e2e = args.includes('--e2e')
const only = args.filter((a) => !a.startsWith('--'))

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p, out)
    else if (name.endsWith('.test.ts')) out.push(p)
  }
  return out
}

let files = [...walk('src', []), ...walk('test', [])].sort()
files = files.filter((f) => f.includes('/e2e/') === e2e)
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)))
if (files.length === 0) {
  console.error('no test files matched')
  process.exit(1)
}
const concurrency = Math.max(2, availableParallelism())
const r = spawnSync(process.execPath, [
  '--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files,
], { stdio: 'inherit' })
process.exit(r.status ?? 1)
