// The runner ends once its deployment stopped, even if a handle stays open,
// but only when the process is the CLI's own (never a test that calls main()).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const MODULE = fileURLToPath(new URL('./process-exit.ts', import.meta.url))

/** A child holding a server open (a handle that keeps node alive), then exitAfterGrace(200). */
function child(owned: boolean): Promise<{ code: number | null; ms: number }> {
  const script = `
    import { createServer } from 'node:net'
    const m = await import(${JSON.stringify(MODULE)})
    createServer().listen(0, '127.0.0.1')
    process.exitCode = 3
    m.setOwnsProcess(${owned})
    m.exitAfterGrace(200)`
  const started = Date.now()
  const c = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'inherit' })
  const timer = setTimeout(() => c.kill('SIGKILL'), 2_000)
  return new Promise((resolve) => c.once('exit', (code) => {
    clearTimeout(timer)
    resolve({ code, ms: Date.now() - started })
  }))
}

test('exitAfterGrace: the CLI\'s own process exits (with its exit code) although a server is still open', async () => {
  const r = await child(true)
  assert.equal(r.code, 3)
})

test('exitAfterGrace: a process that only hosts main() (tests) is never ended', async () => {
  const r = await child(false)
  assert.equal(r.code, null) // still running after 2 s: killed by the test
  assert.ok(r.ms >= 2_000)
})
