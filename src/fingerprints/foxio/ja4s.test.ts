import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ja4s } from './ja4s.js'
import { ja4l } from './ja4l.js'

test('ja4s: the FoxIO worked example (TLS 1.2, c030, extensions 0005,0017,ff01,0000)', () => {
  const r = ja4s({ legacyVersion: 0x0303, cipher: 0xc030, extensions: [0x0005, 0x0017, 0xff01, 0x0000], selectedVersion: undefined, alpn: undefined })
  assert.equal(r.ja4s, 't120400_c030_4e8089b08790')
  assert.equal(r.ja4s_r, 't120400_c030_0005,0017,ff01,0000')
})

test('ja4s: TLS 1.3 from supported_versions, wire order kept (FoxIO sigalg-grease capture)', () => {
  const r = ja4s({ legacyVersion: 0x0303, cipher: 0x1302, extensions: [0x0033, 0x002b], selectedVersion: 0x0304, alpn: undefined })
  assert.equal(r.ja4s, 't130200_1302_234ea6891581')
  assert.equal(r.ja4s_r, 't130200_1302_0033,002b')
  assert.equal(ja4s({ legacyVersion: 0x0303, cipher: 0x1301, extensions: [16], selectedVersion: undefined, alpn: Buffer.from('http/1.1') }).ja4s.slice(0, 7), 't1201h1')
})

test('ja4l: client leg from SYN-ACK→ACK, server leg from SYN→SYN-ACK, halved, with TTLs', () => {
  const r = ja4l({ synUs: 1_000_000, synTtl: 128, synAckUs: 1_003_518, synAckTtl: 42, ackUs: 1_003_540 })
  assert.deepEqual(r, { ja4l: '11_128', ja4ls: '1759_42' })
  assert.deepEqual(ja4l({ synUs: 5, synTtl: 64, synAckUs: undefined, synAckTtl: undefined, ackUs: undefined }), {})
  assert.deepEqual(ja4l({ synUs: undefined, synTtl: undefined, synAckUs: 10, synAckTtl: 60, ackUs: 30 }), {})
})
