import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SeededRng } from './rng.js'

const secretA = Buffer.alloc(32, 1)
const secretB = Buffer.alloc(32, 2)

test('rng: same install + decky gives the same stream, across instances', () => {
  const a = SeededRng.forDecky(secretA, 'decky-01').fork('ssh')
  const b = SeededRng.forDecky(secretA, 'decky-01').fork('ssh')
  assert.equal(a.hex(40), b.hex(40))
  assert.equal(a.int(0, 1000), b.int(0, 1000))
})

test('rng: differs between deckies, installs and forks', () => {
  const base = SeededRng.forDecky(secretA, 'decky-01').hex(16)
  assert.notEqual(base, SeededRng.forDecky(secretA, 'decky-02').hex(16))
  assert.notEqual(base, SeededRng.forDecky(secretB, 'decky-01').hex(16))
  const r = SeededRng.forDecky(secretA, 'decky-01')
  assert.notEqual(r.fork('a').hex(16), r.fork('b').hex(16))
})

test('rng: int stays in range and covers it', () => {
  const r = new SeededRng(Buffer.from('x'))
  const seen = new Set<number>()
  for (let i = 0; i < 2000; i++) {
    const v = r.int(3, 9)
    assert.ok(v >= 3 && v <= 9)
    seen.add(v)
  }
  assert.equal(seen.size, 7)
  const f = r.float()
  assert.ok(f >= 0 && f < 1)
})
