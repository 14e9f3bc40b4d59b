// The store keeps what it was given: files only the owner can read, and every
// credential the ingester acknowledged survives a kill -9 of the process.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { encodeSecret } from '../events/event.js'
import { DB_FILE, Ingester, openStore } from './index.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const INDEX = fileURLToPath(new URL('./index.ts', import.meta.url))
const EVENT = fileURLToPath(new URL('../events/event.ts', import.meta.url))

function tempDir(t: TestContext, mode = 0o755): string {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-durable-'))
  chmodSync(dir, mode)
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function modeOf(p: string): string {
  return (statSync(p).mode & 0o777).toString(8)
}

test('store files are 0600 when DECNET_HOME already exists 0755 under umask 022', async (t) => {
  const old = process.umask(0o022)
  t.after(() => process.umask(old))
  const dir = tempDir(t)
  const store = openStore(dir)
  const ing = new Ingester(store)
  ing.write({ time: '2026-11-28T01:00:00.000000+00:00', decky: 'd', service: 'ssh', type: 'auth', severity: 5, fields: { src_ip: '192.0.2.1', username: 'root', ...encodeSecret('hunter2') } })
  await ing.close()
  const files = [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`].map((f) => join(dir, f))
  for (const f of files) {
    assert.ok(existsSync(f), f)
    assert.equal(modeOf(f), '600', f)
  }
  // a reader opening it later (decnet logs) recreates the WAL files: 0600 too
  await store.close()
  assert.ok(!existsSync(files[1]!))
  const reader = openStore(dir)
  await reader.counts()
  for (const f of files) if (existsSync(f)) assert.equal(modeOf(f), '600', f)
  await reader.close()
})

test('a store left 0644 by an older decnet is made 0600 when opened', async (t) => {
  const old = process.umask(0o022)
  t.after(() => process.umask(old))
  const dir = tempDir(t)
  const first = openStore(dir)
  await first.close()
  chmodSync(join(dir, DB_FILE), 0o644)
  writeFileSync(join(dir, `${DB_FILE}-journal`), '', { mode: 0o644 })
  const again = openStore(dir)
  t.after(() => again.close())
  assert.equal(modeOf(join(dir, DB_FILE)), '600')
  assert.equal(modeOf(join(dir, `${DB_FILE}-journal`)), '600')
  for (const f of [`${DB_FILE}-wal`, `${DB_FILE}-shm`]) if (existsSync(join(dir, f))) assert.equal(modeOf(join(dir, f)), '600', f)
})

// The child: an Ingester with default batching on a temp store, emitting
// credential attempts (and connection noise) in a burst; "acked i" is printed
// right after write(i) returned, as an emulator would answer the login.
const CHILD = `
const { Ingester, openStore } = await import(${JSON.stringify(INDEX)})
const { encodeSecret } = await import(${JSON.stringify(EVENT)})
const store = openStore(process.env.STORE_DIR)
const ing = new Ingester(store)
const time = () => new Date().toISOString().replace('Z', '000+00:00')
let i = 0
for (;;) {
  const src = { src_ip: '198.51.100.' + (i % 200), src_port: String(10000 + i) }
  ing.write({ time: time(), decky: 'd1', service: 'ssh', type: 'connect', severity: 6, fields: src })
  ing.write({ time: time(), decky: 'd1', service: 'ssh', type: 'auth', severity: 5, fields: { ...src, username: 'root', ...encodeSecret('pw-' + i) } })
  process.stdout.write('acked ' + i + '\\n')
  i++
  if (i % 20 === 0) await new Promise((r) => setTimeout(r, 1))
}
`

test('kill -9 mid-burst: every acknowledged credential is in the store', async (t) => {
  const dir = tempDir(t, 0o700)
  mkdirSync(dir, { recursive: true })
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
    cwd: ROOT,
    env: { ...process.env, STORE_DIR: dir },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  const acked = new Set<number>()
  let buf = ''
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (s: string) => {
    buf += s
    const lines = buf.split('\n')
    buf = lines.pop() ?? ''
    for (const l of lines) {
      const m = /^acked (\d+)$/.exec(l)
      if (m) acked.add(Number(m[1]))
    }
    if (acked.size >= 1500 && child.signalCode === null && !child.killed) child.kill('SIGKILL')
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  await exited
  clearTimeout(timer)
  assert.equal(child.signalCode, 'SIGKILL')
  assert.ok(acked.size >= 1500, `only ${acked.size} acks before the child ended`)

  const store = openStore(dir)
  t.after(() => store.close())
  const creds = await store.credentials({ limit: 100_000 })
  const stored = new Set(creds.map((c) => Number(c.secret_printable.slice(3))))
  const missing = [...acked].filter((i) => !stored.has(i))
  assert.deepEqual(missing.slice(0, 10), [], `${missing.length} of ${acked.size} acknowledged credentials lost`)
})
