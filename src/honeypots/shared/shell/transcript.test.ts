// Transcript shards: sessrec's line shapes, the cap sentinel, non-UTF-8 as base64.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Transcript, TRANSCRIPT_LIMITS } from './transcript.js'

test('transcript: header, i/o/r lines, base64 for invalid UTF-8, sentinel at the cap', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-tr-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const tr = new Transcript(dir, 'S1', { width: 100, height: 30, term: 'xterm' }, new Date('2026-11-28T01:00:00Z'))
  tr.input(Buffer.from('ls\r'))
  tr.output('file\r\n')
  tr.input(Buffer.from([0xff, 0xfe]))
  tr.resize(120, 40)
  tr.output(Buffer.alloc(TRANSCRIPT_LIMITS.maxSessionBytes, 0x41))
  tr.output('after the cap')
  await tr.flush()
  assert.equal(tr.file, join(dir, 'sessions-2026-11-28.jsonl'))
  const lines = readFileSync(tr.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
  assert.deepEqual(lines[0], { sid: 'S1', hdr: { version: 2, width: 100, height: 30, timestamp: 1795827600, env: { SHELL: '/bin/bash', TERM: 'xterm' } } })
  assert.deepEqual([lines[1]?.ch, lines[1]?.d], ['i', 'ls\r'])
  assert.deepEqual([lines[2]?.ch, lines[2]?.d], ['o', 'file\r\n'])
  assert.deepEqual([lines[3]?.ch, lines[3]?.b64], ['i', '//4='])
  assert.deepEqual([lines[4]?.ch, lines[4]?.d], ['r', '120x40'])
  assert.deepEqual(lines[lines.length - 1], { sid: 'S1', trunc: true })
  assert.ok(tr.truncated)
  // the cap counts every byte of the shard (lines, JSON overhead, sentinel)
  assert.ok(tr.bytes <= TRANSCRIPT_LIMITS.maxSessionBytes)
  assert.equal(readFileSync(tr.file).length, tr.bytes)
  assert.ok(readFileSync(tr.file, 'utf8').split('\n').every((l) => Buffer.byteLength(l) < 4096))
  assert.ok(!readFileSync(tr.file, 'utf8').includes('after the cap'))
})
