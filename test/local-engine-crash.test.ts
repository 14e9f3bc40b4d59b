// A real uncaught exception / unhandled rejection inside one service of the
// local engine (in a child process, so node:test's own handlers stay out of
// it): that service is restarted, its neighbour is untouched, the process lives.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { join } from 'node:path'
import { REPO_ROOT } from './helpers/readme-command.js'

const run = promisify(execFile)

for (const [mode, error] of [['throw', 'timer bug'], ['reject', 'async bug']] as const) {
  test(`local engine: ${mode === 'throw' ? 'an uncaught exception' : 'an unhandled rejection'} restarts that service only`, async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'fixtures', 'crash-runner.ts'), mode], { cwd: REPO_ROOT, timeout: 30_000 })
    const r = JSON.parse(stdout) as { buggy: { state: string; restarts: number; lastError: string }; calm: { state: string; restarts: number }; errors: string[][] }
    assert.deepEqual(r.buggy, { state: 'running', restarts: 1, lastError: error })
    assert.deepEqual(r.calm, { state: 'running', restarts: 0 })
    assert.deepEqual(r.errors, [['buggy', 'crash', error]])
  })
}
