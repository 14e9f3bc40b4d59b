// sftp and scp uploads against hostile writes, with the ssh2 client: sparse
// writes cost what they carry, the process memory budget refuses one session
// (SSH_FX_FAILURE, scp ENOSPC) while another goes on, and over-cap uploads are
// truncated in the artifact event and the store row alike.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import ssh2 from 'ssh2'
import type { ClientChannel } from 'ssh2'
import { startEmulator } from '../../../test/helpers/emulator.js'
import { deriveBatch } from '../../store/rules.js'
import { configureProcessMemoryBudget, DEFAULT_MEMORY_BUDGET_BYTES, processMemoryBudget } from '../../runtime/memory-budget.js'

const MiB = 1024 * 1024
const PASSWORD = { password: 'S3cr3t!' }

function connect(port: number): Promise<ssh2.Client> {
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client()
    c.once('ready', () => resolve(c))
    c.on('error', reject)
    c.connect({ host: '127.0.0.1', port, username: 'root', password: 'S3cr3t!', readyTimeout: 10_000 })
  })
}

const sftpOf = (c: ssh2.Client) => new Promise<ssh2.SFTPWrapper>((resolve, reject) => c.sftp((e, s) => (e ? reject(e) : resolve(s))))
const open = (s: ssh2.SFTPWrapper, path: string) => new Promise<Buffer>((resolve, reject) => s.open(path, 'w', (e, h) => (e ? reject(e) : resolve(h))))
const write = (s: ssh2.SFTPWrapper, h: Buffer, data: Buffer, at: number) =>
  new Promise<void>((resolve, reject) => s.write(h, data, 0, data.length, at, (e) => (e ? reject(e) : resolve())))
const closeHandle = (s: ssh2.SFTPWrapper, h: Buffer) => new Promise<void>((resolve, reject) => s.close(h, (e) => (e ? reject(e) : resolve())))
const writeFile = (s: ssh2.SFTPWrapper, path: string, data: Buffer) => new Promise<void>((resolve, reject) => s.writeFile(path, data, (e) => (e ? reject(e) : resolve())))

function end(c: ssh2.Client): Promise<void> {
  return new Promise((resolve) => {
    c.once('close', () => resolve())
    c.end()
  })
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

test('sftp: 300 one-byte sparse writes (3 channels × 10 handles × 10 offsets up to 40 MiB) cost bytes, not megabytes', { timeout: 60_000 }, async (t) => {
  const budget = processMemoryBudget()
  const h = await startEmulator(t, 'ssh', PASSWORD)
  const c = await connect(h.port(22))
  t.after(() => c.end())
  global.gc?.()
  const rss0 = process.memoryUsage().rss
  const before = budget.reserved
  let n = 0
  for (let ch = 0; ch < 3; ch++) {
    const s = await sftpOf(c)
    for (let f = 0; f < 10; f++) {
      const hd = await open(s, `/tmp/sparse-${ch}-${f}`)
      // each 4 MiB past the last: what an 8 MiB "write gap" rule let through
      for (let k = 1; k <= 10; k++, n++) await write(s, hd, Buffer.from('Z'), k * 4 * MiB - 1)
    }
  }
  assert.equal(n, 300)
  const grown = budget.reserved - before
  assert.ok(grown < 256 * 1024, `300 sparse writes reserved ${grown} bytes`)
  const rss = process.memoryUsage().rss - rss0
  assert.ok(rss < 100 * MiB, `RSS grew ${Math.round(rss / MiB)} MiB`)
  await end(c)
  await until(() => budget.reserved === before)
})

test('sftp: a spent memory budget fails the session that asks (SSH_FX_FAILURE, resource_refused); another session goes on', { timeout: 30_000 }, async (t) => {
  const budget = configureProcessMemoryBudget(2 * MiB)
  t.after(() => configureProcessMemoryBudget(DEFAULT_MEMORY_BUDGET_BYTES))
  const h = await startEmulator(t, 'ssh', PASSWORD)
  // a second session is mid-upload when the greedy one arrives
  const other = await connect(h.port(22))
  t.after(() => other.end())
  const os = await sftpOf(other)
  const payload = Buffer.alloc(50_000, 9)
  const oh = await open(os, '/tmp/ok.bin')
  await write(os, oh, payload, 0)

  const greedy = await connect(h.port(22))
  t.after(() => greedy.end())
  const gs = await sftpOf(greedy)
  const hd = await open(gs, '/tmp/big.bin')
  const chunk = Buffer.alloc(32 * 1024, 7)
  let failure: (Error & { code?: number }) | undefined
  for (let at = 0; at < 4 * MiB && !failure; at += chunk.length) await write(gs, hd, chunk, at).catch((e: Error & { code?: number }) => (failure = e))
  assert.equal(failure?.code, 4) // SSH_FX_FAILURE
  assert.equal(failure?.message, 'Failure')
  const ev = await h.sink.next('resource_refused')
  assert.deepEqual([ev.fields.resource, ev.fields.what, ev.fields.orig_path, ev.fields.limit, ev.fields.scope], ['memory', 'sftp_upload', '/tmp/big.bin', String(2 * MiB), 'process'])
  assert.ok(budget.available < chunk.length)

  // the other session finishes its upload (stored whole) and keeps working
  await closeHandle(os, oh)
  const art = await h.sink.next('artifact', (e) => e.fields.orig_path === '/tmp/ok.bin')
  assert.deepEqual([art.fields.size, art.fields.truncated], ['50000', 'false'])
  const names = await new Promise<string[]>((resolve, reject) => os.readdir('/tmp', (e, l) => (e ? reject(e) : resolve(l.map((x) => x.filename)))))
  assert.ok(names.includes('ok.bin'))
  // the greedy session ends without closing its handle: everything goes back, uploads fit again
  await end(greedy)
  await until(() => budget.reserved === 0)
  await writeFile(os, '/tmp/again.bin', Buffer.alloc(MiB, 3))
  assert.equal((await h.sink.next('artifact', (e) => e.fields.orig_path === '/tmp/again.bin')).fields.size, String(MiB))
})

test('sftp and scp: an upload over the per-file cap is truncated=true in the artifact event and the store row', { timeout: 30_000 }, async (t) => {
  const cap = 256 * 1024
  const h = await startEmulator(t, 'ssh', PASSWORD, { artifactCaps: { maxFileBytes: cap, maxDeckyBytes: 8 * MiB } })
  const c = await connect(h.port(22))
  t.after(() => c.end())
  const size = 600 * 1024
  await writeFile(await sftpOf(c), '/tmp/over.bin', Buffer.alloc(size, 1))
  // scp -t: C record, body, a 0 byte; every step acknowledged with a 0 byte
  await new Promise<void>((resolve, reject) => {
    c.exec('scp -t /tmp/', (e, stream: ClientChannel) => {
      if (e) return reject(e)
      let acks = 0
      stream.on('data', (d: Buffer) => {
        acks += d.length
        if (acks === 1) stream.write(`C0644 ${size} over-scp.bin\n`)
        if (acks === 2) stream.write(Buffer.concat([Buffer.alloc(size, 2), Buffer.from([0])]))
        if (acks === 3) stream.end()
      })
      stream.on('close', () => resolve())
    })
  })
  for (const [via, path] of [['sftp', '/tmp/over.bin'], ['scp', '/tmp/over-scp.bin']]) {
    const art = await h.sink.next('artifact', (e) => e.fields.via === via)
    assert.deepEqual([art.fields.orig_path, art.fields.size, art.fields.truncated, art.fields.orig_size], [path, String(cap), 'true', String(size)], via)
    const row = deriveBatch([{ ev: art }]).artifacts[0]
    assert.equal(row?.truncated, true, via)
    assert.equal(row?.size, cap, via)
  }
})
