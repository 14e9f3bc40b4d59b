// ByteQueue against a plain-Buffer model: any mix of pushes, searches and
// consumption (tiny chunks, so the chunk array is compacted) agrees with it;
// Accumulator keeps at most its cap.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { Accumulator, ByteQueue } from './byte-queue.js'

const LF = 0x0a
const LIMIT = 40

type Op =
  | { op: 'push'; data: number[] }
  | { op: 'find' }
  | { op: 'skipFound' }
  | { op: 'take' | 'skip' | 'peek' | 'shift'; n: number }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('push' as const), data: fc.array(fc.constantFrom(LF, 0x0d, 0x41), { minLength: 1, maxLength: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('find' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('skipFound' as const) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom('take' as const, 'skip' as const, 'peek' as const, 'shift' as const), n: fc.nat(24) }) },
)

test('byte-queue (fast-check): agrees with a Buffer model; the search resumes where it stopped', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(LF, 0x41), { minLength: 1100, maxLength: 1500 }), fc.array(opArb, { minLength: 1000, maxLength: 3000 }), (first, rest) => {
      // a long backlog of one-byte chunks first, so consuming it compacts the chunk array
      const ops: Op[] = [...first.map((b): Op => ({ op: 'push', data: [b] })), ...rest]
      const q = new ByteQueue()
      let ref = Buffer.alloc(0)
      let cursor = 0 // where the model's search resumes
      let found = -1 // the last match, valid until anything moves
      for (const o of ops) {
        switch (o.op) {
          case 'push':
            q.push(Buffer.from(o.data))
            ref = Buffer.concat([ref, Buffer.from(o.data)])
            break
          case 'find': {
            const i = ref.indexOf(LF, cursor)
            const want = i >= 0 && i < LIMIT ? i : -1
            assert.equal(q.findByte(LF, LIMIT), want)
            if (want >= 0) {
              assert.equal(q.byteBeforeFound(), want > 0 ? ref[want - 1] : -1)
              cursor = found = want
            } else {
              cursor = Math.min(ref.length, LIMIT)
              found = -1
            }
            break
          }
          case 'skipFound':
            if (found < 0) break
            q.skipFound()
            cursor = found + 1
            found = -1
            break
          case 'peek':
            assert.ok(q.peek(o.n).equals(ref.subarray(0, o.n)))
            break
          case 'shift': {
            const got = q.shift(o.n)
            if (ref.length === 0) assert.equal(got, undefined)
            else {
              assert.ok(got && got.length <= o.n && got.equals(ref.subarray(0, got.length)))
              ref = ref.subarray(got.length)
              cursor = Math.max(0, cursor - got.length)
              found = -1
            }
            break
          }
          default: {
            const n = Math.min(o.n, ref.length)
            if (o.op === 'take') assert.ok(q.take(o.n).equals(ref.subarray(0, n)))
            else q.skip(o.n)
            ref = ref.subarray(n)
            cursor = Math.max(0, cursor - n)
            found = -1
          }
        }
        assert.equal(q.length, ref.length)
        const front = q.front()
        assert.ok(ref.length === 0 ? front === undefined : front && front.equals(ref.subarray(0, front.length)))
      }
    }),
    { numRuns: 60 },
  )
})

test('byte-queue: a long line in one-byte chunks is scanned once (no rescan per chunk)', () => {
  const q = new ByteQueue()
  let calls = 0
  const n = 20_000
  for (let i = 0; i < n; i++) {
    const c = Buffer.from([0x41])
    const orig = c.indexOf.bind(c)
    c.indexOf = ((...a: Parameters<Buffer['indexOf']>) => {
      calls++
      return orig(...a)
    }) as Buffer['indexOf']
    q.push(c)
    assert.equal(q.findByte(LF, n + 2), -1)
  }
  assert.equal(calls, n, 'each chunk searched exactly once')
})

test('accumulator: keeps at most its cap in blocks, counts the rest', () => {
  const a = new Accumulator(40_000)
  for (let i = 0; i < 100; i++) a.add(Buffer.alloc(1000, i))
  assert.equal(a.kept, 40_000)
  assert.equal(a.total, 100_000)
  assert.equal(a.truncated, true)
  const b = a.toBuffer()
  assert.equal(b.length, 40_000)
  assert.equal(b[39_999], 39)
  const small = new Accumulator(10)
  small.add(Buffer.from('abc'))
  assert.deepEqual([small.toBuffer().toString(), small.truncated], ['abc', false])
})
