// `decnet deploy --detach` then `decnet teardown --all`, with real processes
// (the CLI from source through tsx): teardown returns once the background
// runner has exited, by itself (no kill), and nothing is left behind.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { REPO_ROOT } from './helpers/readme-command.js'
import { cli } from './helpers/cli.js'
import { processAlive } from '../src/engines/runner-process.js'
import { readState } from '../src/engines/state.js'

const run = promisify(execFile)

test('deploy --detach, teardown --all: the runner process has exited when teardown returns', { timeout: 90_000 }, async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'decnet-detach-'))
  const saved = process.env.DECNET_HOME
  process.env.DECNET_HOME = home
  const runner: { pid?: number } = {}
  t.after(() => {
    if (runner.pid !== undefined && processAlive({ pid: runner.pid })) process.kill(runner.pid, 'SIGKILL')
    if (saved === undefined) delete process.env.DECNET_HOME
    else process.env.DECNET_HOME = saved
    rmSync(home, { recursive: true, force: true })
  })
  const { stdout } = await run(process.execPath, [
    '--import', 'tsx', join(REPO_ROOT, 'test', 'fixtures', 'decnet-cli.ts'),
    'deploy', '--deckies', '1', '--services', 'http', '--address', '127.42.77.1', '--port-offset', '23700', '--detach',
  ], { cwd: REPO_ROOT, env: { ...process.env, DECNET_HOME: home }, timeout: 60_000 })
  const m = /^1 service up on 1 decky, in the background \(pid (\d+); log (\S+)\)\.$/m.exec(stdout)
  assert.ok(m, stdout)
  const pid = Number(m[1])
  runner.pid = pid
  const record = readState(home)
  assert.deepEqual([record?.pid, record?.phase, typeof record?.pid_start], [pid, 'running', 'number'])
  assert.equal(JSON.parse((await cli(['status', '--json'])).out).runner_alive, true)

  const down = await cli(['teardown', '--all'])
  assert.deepEqual(down, { code: 0, out: 'Stopped 1 decky.\n', err: '' })
  assert.equal(processAlive({ pid }), false, 'teardown returned while the runner still ran')
  assert.equal(existsSync(join(home, 'state.json')), false)
  assert.equal(existsSync(join(home, 'control.sock')), false)
  assert.match(readFileSync(m[2] as string, 'utf8'), /^stopped\.$/m)
  await assert.rejects(fetch('http://127.42.77.1:23780/'), /fetch failed/)
})
