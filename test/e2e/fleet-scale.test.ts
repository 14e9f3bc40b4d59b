// 30 deckies of http,ssh,smb in the background on this 2-core machine: every
// service reaches `running` (none stuck in backoff with EADDRINUSE after a
// slow start), and `teardown --all` returns only when the runner has exited
// and no listener of the fleet is left (read from /proc/net/tcp).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdtemp, rm } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { boundOn } from '../helpers/proc-net.js'

const run = promisify(execFile)
const CLI = resolve(import.meta.dirname, '..', '..', 'bin', 'decnet.js')
const DECKIES = 30
// addresses and ports of this test's own, never the README's (127.42.0.x, +20000)
const ADDRESSES = Array.from({ length: DECKIES }, (_, i) => `127.77.0.${i + 1}`)
const OFFSET = 36000
const READY_MS = 180_000

interface StatusJson {
  active: boolean
  pid?: number
  runner_alive?: boolean
  deckies: { name: string; services: { name: string; state: string; error?: string }[] }[]
}

/** The process exists and has not exited (a zombie waiting for its parent to reap it has exited). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

test(`${DECKIES} deckies of http,ssh,smb: all running, and after teardown no process and no listener remain`, { timeout: READY_MS + 120_000 }, async (t) => {
  const home = await mkdtemp(join(tmpdir(), 'decnet-scale-'))
  const env = { ...process.env, DECNET_HOME: home }
  const cli = (...args: string[]) => run(process.execPath, [CLI, ...args], { env, timeout: 120_000 })
  t.after(async () => {
    await cli('teardown', '--all').catch(() => undefined)
    await rm(home, { recursive: true, force: true })
  })

  const started = Date.now()
  const deploy = await cli('deploy', '--deckies', String(DECKIES), '--services', 'http,ssh,smb', '--address', ADDRESSES.join(','), '--port-offset', String(OFFSET), '--detach')
  t.diagnostic(deploy.stdout.trim().split('\n').slice(-3).join(' | '))

  let status: StatusJson | undefined
  let notRunning: string[] = []
  while (Date.now() - started < READY_MS) {
    status = JSON.parse((await cli('status', '--json')).stdout) as StatusJson
    notRunning = status.deckies.flatMap((d) => d.services.filter((s) => s.state !== 'running').map((s) => `${d.name}/${s.name}=${s.state}${s.error ? ` (${s.error})` : ''}`))
    if (status.deckies.length === DECKIES && notRunning.length === 0) break
    await new Promise((r) => setTimeout(r, 1000))
  }
  t.diagnostic(`all ${DECKIES * 3} services running after ${Date.now() - started} ms`)
  assert.ok(status, 'no status')
  assert.equal(status.runner_alive, true, 'the runner is not running')
  assert.equal(status.deckies.length, DECKIES)
  assert.deepEqual(notRunning, [], 'services not running')
  const pid = status.pid as number
  assert.ok(Number.isInteger(pid) && alive(pid), `runner pid ${pid} is not alive`)
  // every decky really listens on its five ports
  const listening = ADDRESSES.flatMap((a) => boundOn(a))
  assert.equal(listening.length, DECKIES * 5, `expected ${DECKIES * 5} listeners (22, 80, 443, 445, 139 per decky), found ${listening.length}`)

  const down = await cli('teardown', '--all')
  t.diagnostic(down.stdout.trim())
  assert.equal(alive(pid), false, `teardown returned while the runner (pid ${pid}) is still alive`)
  assert.deepEqual(ADDRESSES.flatMap((a) => boundOn(a)), [], 'listeners left after teardown')
  const after = JSON.parse((await cli('status', '--json').catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? 'null' }))).stdout || 'null') as StatusJson | null
  assert.ok(after === null || (after.active === false && after.runner_alive !== true), 'status still shows a running fleet after teardown')
})
