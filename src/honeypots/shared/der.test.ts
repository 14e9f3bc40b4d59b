import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { children, decodeTree, encodeLength, explicit, integer, intContent, octets, oid, oidString, readTlv, readUInt, seq, MAX_DEPTH } from './der.js'

test('der: lengths, integers, OIDs round-trip', () => {
  assert.equal(encodeLength(5).toString('hex'), '05')
  assert.equal(encodeLength(200).toString('hex'), '81c8')
  assert.equal(encodeLength(70000).toString('hex'), '83011170')
  for (const n of [0, 1, 127, 128, 255, 256, 65535, 2 ** 31 - 1]) assert.equal(readUInt(intContent(n)), n)
  assert.equal(integer(6).toString('hex'), '020106')
  assert.equal(oid('1.3.6.1.4.1.311.2.2.10').toString('hex'), '060a2b06010401823702020a')
  assert.equal(oidString(oid('1.2.840.113554.1.2.2').subarray(2)), '1.2.840.113554.1.2.2')
})

test('der: nested read of SEQUENCE { [0] INTEGER, [1] OCTET STRING }', () => {
  const big = Buffer.alloc(300, 7)
  const enc = seq(explicit(0, integer(6)), explicit(1, octets(big)))
  const top = readTlv(enc)
  assert.ok(top)
  assert.equal(top.end, enc.length)
  const kids = children(top.content)
  assert.equal(kids?.length, 2)
  assert.ok(readTlv(kids?.[1]?.content ?? Buffer.alloc(0))?.content.equals(big))
})

test('der: truncations, indefinite lengths and deep nesting are refused', () => {
  const enc = seq(explicit(0, integer(6)), explicit(1, octets(Buffer.alloc(40))))
  for (let i = 0; i < enc.length; i++) assert.equal(decodeTree(enc.subarray(0, i)) === undefined || i === 0, true)
  assert.equal(readTlv(Buffer.from('3080020101', 'hex')), undefined)
  assert.equal(readTlv(Buffer.from('3085ffffffffff', 'hex')), undefined)
  let deep = integer(1)
  for (let i = 0; i < MAX_DEPTH + 2; i++) deep = seq(deep)
  assert.equal(decodeTree(deep), undefined)
  assert.ok(decodeTree(deep, 64))
})

test('fuzz: decodeTree never throws and respects caps', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
      const t = decodeTree(Buffer.from(bytes))
      if (t) assert.ok(Array.isArray(t))
    }),
    { numRuns: 5000 },
  )
})
