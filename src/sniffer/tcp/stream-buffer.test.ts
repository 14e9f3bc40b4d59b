import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ByteBudget, StreamBuffer } from './stream-buffer.js'

const data = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff))

test('stream buffer: in-order, out-of-order, retransmitted and overlapping segments give the same bytes', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 20, max: 400 }), { minLength: 1, maxLength: 30 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (sizes, isn, shuffle) => {
        // segments covering [0, 3000), plus duplicates and overlaps
        const segs: [number, number][] = []
        let o = 0
        for (let i = 0; o < data.length; i++) {
          const n = sizes[i % sizes.length]!
          segs.push([o, Math.min(data.length, o + n)])
          o += n
        }
        const extra = segs.map(([a, b]) => [Math.max(0, a - 5), Math.min(data.length, b + 7)] as [number, number])
        const all = [...segs, ...extra.slice(0, 5)]
        for (let i = 0; i < shuffle.length && all.length > 1; i++) {
          const a = shuffle[i]! % all.length
          const b = (shuffle[i]! >> 3) % all.length
          ;[all[a], all[b]] = [all[b]!, all[a]!]
        }
        const s = new StreamBuffer(64 * 1024, new ByteBudget(1 << 20))
        s.setBase((isn + 1) >>> 0)
        // out-of-order storage is bounded; replay as retransmissions would, until complete
        for (let round = 0; round < all.length && s.length < data.length; round++) {
          for (const [a, b] of all) s.add((isn + 1 + a) >>> 0, data, a, b)
        }
        assert.equal(s.length, data.length)
        assert.ok(s.bytes().equals(data))
      },
    ),
    { numRuns: 200 },
  )
})

test('stream buffer: cap and byte budget bound the buffer; bytes before byte 0 are dropped', () => {
  const budget = new ByteBudget(4096)
  const s = new StreamBuffer(1000, budget)
  s.setBase(100)
  s.add(90, data, 0, 20) // 10 bytes before the base: the other 10 are kept
  assert.ok(s.bytes().equals(data.subarray(10, 20)))
  s.add(110, data, 20, 3000)
  assert.equal(s.length, 1000)
  s.release()
  assert.equal(budget.used, 0)
  const tight = new StreamBuffer(64 * 1024, new ByteBudget(2048))
  tight.add(0, data, 0, 2048)
  assert.equal(tight.length, 2048)
  tight.add(2048, data, 0, 100)
  assert.equal(tight.full, true)
  assert.equal(tight.length, 2048)
})
