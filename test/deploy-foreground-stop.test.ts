// A foreground `decnet deploy` (a real process, the CLI from source through
// tsx) ends cleanly however it is stopped (issue 11, items 1, 2 and 5):
//  - its terminal pipe dies (`2>&1 | tee log`, then Ctrl-C kills tee too):
//    no EPIPE loop; the fleet stops, the state is removed, the process exits;
//  - its stdout reader goes away (`| head -2`): the same, silently;
//  - Ctrl-C during start-up: what started is stopped, the state removed, one line.
// Addresses 127.42.63.x–127.42.66.x and offsets 233xx–236xx are this file's own.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from './helpers/readme-command.js'
import { tempDir } from './helpers/temp-home.js'
import { processAlive } from '../src/engines/runner-process.js'

const CLI = join(REPO_ROOT, 'test', 'fixtures', 'decnet-cli.ts')

function deploy(t: TestContext, home: string, args: string[]): { child: ChildProcess; exit: Promise<{ code: number | null; signal: string | null }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'deploy', ...args], {
    cwd: REPO_ROOT, env: { ...process.env, DECNET_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  t.after(() => {
    if (child.pid !== undefined && child.exitCode === null && processAlive({ pid: child.pid })) child.kill('SIGKILL')
  })
  return { child, exit }
}

function waitFor(what: string, f: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (f()) return resolve()
      if (Date.now() > end) return reject(new Error(`timed out waiting for ${what}`))
      setTimeout(tick, 20)
    }
    tick()
  })
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref())])
}

test('deploy 2>&1 | tee, then Ctrl-C (tee dies too): the runner stops the fleet and exits, no EPIPE loop', { timeout: 60_000 }, async (t) => {
  const home = tempDir(t)
  const { child, exit } = deploy(t, home, ['--deckies', '1', '--services', 'http', '--address', '127.42.63.1', '--port-offset', '23300'])
  let out = ''
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr!.on('data', () => {})
  await waitFor('the feed', () => out.includes('Events follow'))
  // tee is gone: nobody reads stdout or stderr any more
  child.stdout!.destroy()
  child.stderr!.destroy()
  child.kill('SIGINT')
  const r = await within(exit, 15_000, 'the runner to exit')
  assert.equal(r.signal, null)
  assert.equal(existsSync(join(home, 'state.json')), false, 'state.json left behind')
  await assert.rejects(fetch('http://127.42.63.1:23380/'), /fetch failed/)
})

test('deploy | head -2: the fleet stops with its reader, the state is removed', { timeout: 60_000 }, async (t) => {
  const home = tempDir(t)
  const { child, exit } = deploy(t, home, ['--deckies', '1', '--services', 'http', '--address', '127.42.64.1', '--port-offset', '23400'])
  let out = ''
  child.stderr!.on('data', () => {})
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString()
    if (out.split('\n').length > 2) child.stdout!.destroy() // head printed its two lines and exited
  })
  const r = await within(exit, 30_000, 'the runner to exit')
  assert.deepEqual([r.code, r.signal], [0, null])
  assert.equal(existsSync(join(home, 'state.json')), false, 'state.json left behind for a dead runner')
  await assert.rejects(fetch('http://127.42.64.1:23480/'), /fetch failed/)
})

test('Ctrl-C during start-up: stops what started, removes the state, says so in one line', { timeout: 60_000 }, async (t) => {
  const home = tempDir(t)
  const ips = Array.from({ length: 8 }, (_, i) => `127.42.65.${i + 1}`).join(',')
  const { child, exit } = deploy(t, home, ['--deckies', '8', '--services', 'ssh,https', '--address', ips, '--port-offset', '23500'])
  let out = ''
  let err = ''
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()))
  await waitFor('the state file', () => existsSync(join(home, 'state.json')))
  child.kill('SIGINT')
  const r = await within(exit, 20_000, 'the runner to exit')
  assert.doesNotMatch(out, /services? up on/, 'the fleet came up before the signal; the test needs a slower start')
  assert.deepEqual([r.code, r.signal], [130, null])
  assert.equal(err, 'decnet: SIGINT during start-up: stopped what had started; nothing is running\n')
  assert.equal(existsSync(join(home, 'state.json')), false)
})
