// decnet teardown / status against a runner process (a node child standing
// in for `decnet deploy`): the kill line, the stale state, no 'running'
// services once the runner is gone.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cli } from '../../../test/helpers/cli.js'
import { RUNNERS, recordFor, spawnFakeRunner } from '../../../test/helpers/fake-runner.js'
import { readState, writeState } from '../../engines/state.js'
import { describeTeardown } from './teardown.js'
import { tempHome } from '../../../test/helpers/temp-home.js'

test('teardown lines: stopped, killed, stale, docker, --id', () => {
  const runner = (outcome: 'exited' | 'killed' | 'gone' | 'running') => ({ pid: 42, outcome, graceMs: 5_000 })
  assert.deepEqual(describeTeardown({ stopped: ['a', 'b'], all: true, runner: runner('exited') }), { line: 'Stopped 2 deckies.' })
  assert.deepEqual(describeTeardown({ stopped: ['a'], all: true, runner: runner('exited') }), { line: 'Stopped 1 decky.' })
  assert.deepEqual(describeTeardown({ stopped: ['a', 'b'], all: true, runner: runner('killed') }), {
    warning: 'the runner (pid 42) did not stop within 5 s; killed it',
    line: 'Stopped 2 deckies.',
  })
  assert.deepEqual(describeTeardown({ stopped: ['a', 'b'], all: true, runner: runner('gone') }), {
    line: 'Nothing to stop: the runner (pid 42) had already exited; removed the stale state (2 deckies).',
  })
  assert.deepEqual(describeTeardown({ stopped: ['a'], all: false, runner: runner('gone') }), {
    line: 'Nothing to stop: the runner (pid 42) had already exited; removed a from the stale state.',
  })
  assert.deepEqual(describeTeardown({ stopped: ['a'], all: false, runner: runner('running') }), { line: 'Stopped a.' })
  assert.deepEqual(describeTeardown({ stopped: ['a', 'b'], all: true, via: 'docker compose down' }), { line: 'Stopped every decky (docker compose down).' })
})

test('decnet teardown --all: a runner that ignores SIGTERM is killed after 5 s, and the command says so in one line', async (t) => {
  const home = tempHome(t)
  const r = await spawnFakeRunner(t, RUNNERS.stubborn)
  writeState(recordFor(r.pid), home)
  const started = Date.now()
  const out = await cli(['teardown', '--all'])
  assert.deepEqual(out, { code: 0, out: 'Stopped 2 deckies.\n', err: `decnet: the runner (pid ${r.pid}) did not stop within 5 s; killed it\n` })
  assert.ok(Date.now() - started >= 5_000)
  assert.equal(await r.exited, 'SIGKILL')
  assert.equal(readState(home), undefined)
})

test('decnet status / teardown of a stale state: services are not running, the runner is gone, teardown says so', async (t) => {
  const home = tempHome(t)
  const r = await spawnFakeRunner(t, RUNNERS.polite)
  const record = recordFor(r.pid)
  r.child.kill('SIGKILL')
  await r.exited
  writeState(record, home)
  const status = await cli(['status'])
  assert.equal(status.code, 0, status.err)
  assert.match(status.out, /^decky-01 +127\.42\.0\.1 +SRV-0 +linux +http\(stopped 20080\)$/m)
  assert.doesNotMatch(status.out, /running \d/)
  assert.match(status.out, new RegExp(`^runner: NOT running \\(pid ${r.pid} is gone; decnet teardown --all clears the stale state\\), since 2026-11-28T01:00:00.000Z, port offset 20000$`, 'm'))
  const json = JSON.parse((await cli(['status', '--json'])).out) as { runner_alive: boolean; phase: string; deckies: { services: { state: string }[] }[] }
  assert.deepEqual([json.runner_alive, json.phase, json.deckies[1]?.services[0]?.state], [false, 'running', 'stopped'])

  assert.deepEqual(await cli(['teardown', '--all']), {
    code: 0, out: `Nothing to stop: the runner (pid ${r.pid}) had already exited; removed the stale state (2 deckies).\n`, err: '',
  })
  assert.deepEqual(await cli(['status']), { code: 0, out: 'No active deployment.\n', err: '' })
})

test('decnet status: a live runner that is stopping is shown as such, services as recorded', async (t) => {
  const home = tempHome(t)
  const r = await spawnFakeRunner(t, RUNNERS.polite)
  writeState(recordFor(r.pid, { phase: 'stopping' }), home)
  const status = await cli(['status'])
  assert.match(status.out, /http\(running 20080\)/)
  assert.match(status.out, new RegExp(`^runner: stopping \\(pid ${r.pid}\\), since `, 'm'))
})
