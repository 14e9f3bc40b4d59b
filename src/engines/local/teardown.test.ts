// Teardown of the local engine tells the truth: --all returns once the runner
// process has exited (killed after the grace period if it must be), a stale
// record (runner gone, or its pid now someone else's) is reported as such.
// The runners here are node children standing in for `decnet deploy`.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readState, statePath, writeState } from '../state.js'
import { processAlive, processStartTime } from '../runner-process.js'
import { RUNNERS, recordFor, spawnFakeRunner } from '../../../test/helpers/fake-runner.js'
import { LocalEngine } from './index.js'
import { controlSocketPath } from './control.js'
import { tempDir } from '../../../test/helpers/temp-home.js'

test('teardown --all: a runner that exits on SIGTERM (no control channel) → exited, record gone', async (t) => {
  const home = tempDir(t)
  const r = await spawnFakeRunner(t, RUNNERS.polite)
  writeState(recordFor(r.pid), home)
  const result = await new LocalEngine({ home }).teardown()
  assert.deepEqual(result, { stopped: ['decky-01', 'decky-02'], all: true, runner: { pid: r.pid, outcome: 'exited', graceMs: 5_000 } })
  assert.equal(processAlive({ pid: r.pid }), false)
  assert.equal(readState(home), undefined)
})

test('teardown --all: a runner that ignores SIGTERM is killed after the grace period; the record is cleared', async (t) => {
  const home = tempDir(t)
  const r = await spawnFakeRunner(t, RUNNERS.stubborn)
  writeState(recordFor(r.pid), home)
  const result = await new LocalEngine({ home, stopGraceMs: 300 }).teardown()
  assert.deepEqual(result.runner, { pid: r.pid, outcome: 'killed', graceMs: 300 })
  assert.equal(await r.exited, 'SIGKILL')
  assert.equal(readState(home), undefined)
})

test('teardown --all: returns only once the runner exited, not when it removed its record', async (t) => {
  const home = tempDir(t)
  const sock = controlSocketPath(home) as string
  const r = await spawnFakeRunner(t, RUNNERS.control, { SOCK: sock, STATE: statePath(home), LINGER: '800' })
  writeState(recordFor(r.pid, { controlSocket: sock }), home)
  const started = Date.now()
  const result = await new LocalEngine({ home }).teardown()
  assert.equal(result.runner?.outcome, 'exited')
  assert.ok(Date.now() - started >= 800, 'returned before the runner exited')
  assert.equal(processAlive({ pid: r.pid }), false)
  assert.equal(await r.exited, 0) // asked over the socket: no signal
})

test('teardown --all of a stale record: the runner is gone; nothing is signalled, the record is removed', async (t) => {
  const home = tempDir(t)
  const r = await spawnFakeRunner(t, RUNNERS.polite)
  const record = recordFor(r.pid)
  r.child.kill('SIGKILL')
  await r.exited
  writeState(record, home)
  const result = await new LocalEngine({ home }).teardown()
  assert.deepEqual(result, { stopped: ['decky-01', 'decky-02'], all: true, runner: { pid: r.pid, outcome: 'gone', graceMs: 5_000 } })
  assert.equal(existsSync(statePath(home)), false)
})

test('teardown of a record whose pid now belongs to another process: stale, and that process is left alone', async (t) => {
  const home = tempDir(t)
  const r = await spawnFakeRunner(t, RUNNERS.polite)
  writeState(recordFor(r.pid, { startTime: (processStartTime(r.pid) as number) - 7 }), home)
  const one = await new LocalEngine({ home }).teardown(['decky-01'])
  assert.deepEqual(one, { stopped: ['decky-01'], all: false, runner: { pid: r.pid, outcome: 'gone', graceMs: 5_000 } })
  assert.deepEqual(readState(home)?.config.deckies.map((d) => d.name), ['decky-02'])
  const rest = await new LocalEngine({ home }).teardown()
  assert.equal(rest.runner?.outcome, 'gone')
  assert.equal(readState(home), undefined)
  assert.equal(processAlive({ pid: r.pid }), true)
})

test('status: services of a dead runner never show as running; a live runner that is stopping shows as stopping', async (t) => {
  const home = tempDir(t)
  const r = await spawnFakeRunner(t, RUNNERS.polite)
  writeState(recordFor(r.pid, { phase: 'stopping' }), home)
  const live = await new LocalEngine({ home }).status()
  assert.deepEqual([live?.phase, live?.runner, live?.deckies[0]?.services[0]?.state], ['stopping', { pid: r.pid, alive: true }, 'running'])
  r.child.kill('SIGKILL')
  await r.exited
  const dead = await new LocalEngine({ home }).status()
  assert.deepEqual(dead?.runner, { pid: r.pid, alive: false })
  assert.deepEqual(dead?.deckies.flatMap((d) => d.services.map((s) => s.state)), ['stopped', 'stopped'])
})
