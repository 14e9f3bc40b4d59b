import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { createHash } from 'node:crypto'
import { createEventLog } from './service-context.js'
import { MemorySink } from '../../test/helpers/memory-sink.js'
import { DeckyQuota, FileArtifactStore, safeName } from './artifacts.js'

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

async function store(t: import('node:test').TestContext, caps = { maxFileBytes: 16, maxDeckyBytes: 40 }) {
  const root = await mkdtemp(join(tmpdir(), 'decnet-art-'))
  t.after(() => rm(root, { recursive: true, force: true }))
  const sink = new MemorySink()
  const quota = new DeckyQuota(join(root, 'decky-01'), caps.maxDeckyBytes)
  const mk = (svc: string) => new FileArtifactStore(join(root, 'decky-01', svc), quota, createEventLog(sink, 'decky-01', svc), caps)
  return { root, sink, ftp: mk('ftp'), ssh: mk('ssh') }
}

test('safeName: no separators, no dot-dot, no control bytes, never empty', () => {
  assert.equal(safeName('../../etc/passwd'), 'passwd')
  assert.equal(safeName('..\\..\\win.ini'), 'win.ini')
  assert.equal(safeName('..'), 'unnamed')
  assert.equal(safeName(''), 'unnamed')
  assert.equal(safeName('.bashrc'), 'bashrc')
  assert.equal(safeName('a b\u0000c\n.sh'), 'a_b_c_.sh')
  assert.equal(safeName('x'.repeat(300)).length, 100)
})

test('artifact store: quarantine layout, traversal names stay inside, event per file', async (t) => {
  const { root, sink, ftp } = await store(t)
  const data = Buffer.from('#!/bin/sh\nid\n')
  const rec = await ftp.save({ name: '../../../tmp/evil.sh', data, peer: { ip: '203.0.113.9', port: 4444 } })
  assert.ok(rec)
  assert.match(rec.storedAs, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ_${sha(data).slice(0, 12)}_evil\\.sh$`))
  assert.equal(relative(root, rec.path), join('decky-01', 'ftp', rec.storedAs))
  assert.deepEqual(await readFile(rec.path), data)
  const ev = await sink.next('artifact')
  assert.deepEqual(
    [ev.fields.src_ip, ev.fields.src_port, ev.fields.sha256, ev.fields.size, ev.fields.name, ev.fields.truncated],
    ['203.0.113.9', '4444', sha(data), String(data.length), '../../../tmp/evil.sh', 'false'],
  )
})

test('artifact store: same content is stored once (dedupe by sha256)', async (t) => {
  const { sink, ftp } = await store(t)
  const data = Buffer.from('same bytes')
  const a = await ftp.save({ name: 'a.bin', data })
  const b = await ftp.save({ name: 'b.bin', data })
  assert.equal(b?.storedAs, a?.storedAs)
  assert.equal((await readdir(join(a?.path ?? '', '..'))).length, 1)
  assert.equal(sink.ofType('artifact')[1]?.fields.duplicate, 'true')
})

test('artifact store: per-file truncation and the per-decky quota shared by services', async (t) => {
  const { sink, ftp, ssh } = await store(t)
  const big = Buffer.alloc(100, 0x41)
  const rec = await ftp.save({ name: 'big', data: big })
  assert.equal(rec?.truncated, true)
  assert.equal(rec?.size, 16)
  assert.equal((await readFile(rec?.path ?? '')).length, 16)
  assert.equal(rec?.sha256, sha(big.subarray(0, 16)))
  // 16 used of 40: a 16-byte file fits on another service, the next does not
  assert.ok(await ssh.save({ name: 'two', data: Buffer.alloc(16, 0x42) }))
  const dropped = await ssh.save({ name: 'three', data: Buffer.alloc(16, 0x43), peer: { ip: '198.51.100.7', port: 2222 } })
  assert.equal(dropped, undefined)
  const ev = await sink.next('artifact_dropped')
  assert.deepEqual([ev.fields.reason, ev.fields.src_ip, ev.service], ['decky_quota', '198.51.100.7', 'ssh'])
})
