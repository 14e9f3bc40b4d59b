// The runner process seen from teardown: identity by pid and start time,
// stop by asking or SIGTERM, SIGKILL after the grace period.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { processAlive, processStartTime, stopProcess, waitForExit } from './runner-process.js'
import { RUNNERS, spawnFakeRunner } from '../../test/helpers/fake-runner.js'

test('process identity: pid and start time; a dead pid or another start time is not our runner', async (t) => {
  const start = processStartTime(process.pid)
  assert.equal(typeof start, 'number')
  assert.equal(processAlive({ pid: process.pid, startTime: start as number }), true)
  assert.equal(processAlive({ pid: process.pid }), true)
  assert.equal(processAlive({ pid: process.pid, startTime: (start as number) + 1 }), false) // the pid was reused
  const r = await spawnFakeRunner(t, RUNNERS.polite)
  const who = { pid: r.pid, startTime: processStartTime(r.pid) as number }
  assert.equal(processAlive(who), true)
  r.child.kill('SIGTERM')
  assert.equal(await waitForExit(who, 5_000), true)
  assert.equal(processAlive(who), false)
})

test('stopProcess: SIGTERM when nobody answers; exited within the grace period', async (t) => {
  const r = await spawnFakeRunner(t, RUNNERS.polite)
  const started = Date.now()
  assert.equal(await stopProcess({ pid: r.pid, startTime: processStartTime(r.pid) as number }, { ask: async () => false, graceMs: 5_000 }), 'exited')
  assert.equal(await r.exited, 'SIGTERM')
  assert.ok(Date.now() - started < 4_000)
})

test('stopProcess: a process that ignores SIGTERM is killed after the grace period', async (t) => {
  const r = await spawnFakeRunner(t, RUNNERS.stubborn)
  const started = Date.now()
  assert.equal(await stopProcess({ pid: r.pid, startTime: processStartTime(r.pid) as number }, { graceMs: 300 }), 'killed')
  assert.ok(Date.now() - started >= 300)
  assert.equal(await r.exited, 'SIGKILL')
})

test('stopProcess: asking is enough when the process then exits (no SIGTERM sent)', async (t) => {
  const r = await spawnFakeRunner(t, RUNNERS.stubborn)
  const ask = async () => {
    setTimeout(() => r.child.kill('SIGINT'), 100) // what a control channel would do: it stops by itself
    return true
  }
  assert.equal(await stopProcess({ pid: r.pid, startTime: processStartTime(r.pid) as number }, { ask, graceMs: 3_000 }), 'exited')
  assert.equal(await r.exited, 'SIGINT')
})

test('stopProcess: never signals a process that merely reused the pid', async (t) => {
  const r = await spawnFakeRunner(t, RUNNERS.polite)
  const other = { pid: r.pid, startTime: (processStartTime(r.pid) as number) - 1 }
  assert.equal(await stopProcess(other, { graceMs: 200 }), 'exited')
  assert.equal(processAlive({ pid: r.pid }), true)
})

test('stopProcess: SIGKILL takes the process group of a runner that leads one (its tcpdump goes too)', async (t) => {
  const { spawn } = await import('node:child_process')
  const script = `
    const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)'], { stdio: 'ignore' })
    process.on('SIGTERM', () => {})
    setInterval(() => {}, 1e9)
    process.stdout.write(c.pid + '\\n')`
  const leader = spawn(process.execPath, ['-e', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] })
  t.after(() => {
    try {
      process.kill(-(leader.pid as number), 'SIGKILL')
    } catch {
      // gone
    }
  })
  const grandchild = await new Promise<number>((resolve) => leader.stdout?.once('data', (d: Buffer) => resolve(Number(String(d).trim()))))
  const pid = leader.pid as number
  assert.equal(await stopProcess({ pid, startTime: processStartTime(pid) as number }, { graceMs: 200 }), 'killed')
  assert.equal(await waitForExit({ pid: grandchild }, 2_000), true)
})
