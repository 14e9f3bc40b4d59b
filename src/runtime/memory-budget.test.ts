// The process memory budget, its leases, and the extent-based upload buffer.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MemoryBudget } from './memory-budget.js'
import { UploadBuffer, UPLOAD_BUFFER_LIMITS } from './upload-buffer.js'

const MiB = 1024 * 1024

test('memory budget: leases reserve from the budget, refuse past it or their own limit, and give back on close', () => {
  const b = new MemoryBudget(1000)
  const a = b.lease()
  const c = b.lease(300)
  assert.equal(a.reserve(600), true)
  assert.equal(c.reserve(301), false)
  assert.equal(c.lastRefusal?.scope, 'session')
  assert.equal(c.reserve(300), true)
  assert.equal(b.reserved, 900)
  assert.equal(a.reserve(200), false)
  assert.deepEqual(a.lastRefusal, { requested: 200, reserved: 900, limit: 1000, scope: 'process' })
  const child = c.lease()
  assert.equal(child.reserve(1), false) // c is full
  assert.equal(child.lastRefusal?.scope, 'session')
  a.close()
  assert.equal(b.reserved, 300)
  assert.equal(a.reserve(1), false) // closed
  c.close()
  a.close()
  assert.equal(b.reserved, 0)
})

test('upload buffer: a 1-byte write at 32 MiB−1 costs one byte plus bookkeeping; assembly zero-fills the hole', () => {
  const b = new MemoryBudget(64 * MiB)
  const u = new UploadBuffer(b.lease(), 50 * MiB)
  assert.equal(u.write(32 * MiB - 1, Buffer.from('Z')), true)
  assert.equal(u.size, 32 * MiB)
  assert.ok(b.reserved <= 1 + UPLOAD_BUFFER_LIMITS.extentOverhead, `reserved ${b.reserved}`)
  const a = u.assemble()
  assert.ok(a)
  assert.equal(a.data.length, 32 * MiB)
  assert.equal(a.truncated, false)
  assert.equal(a.data[32 * MiB - 1], 0x5a)
  assert.equal(a.data.subarray(0, 32 * MiB - 1).every((x) => x === 0), true)
  u.close()
  assert.equal(b.reserved, 0)
})

test('upload buffer: overlapping, out-of-order and appended writes assemble as a file would', () => {
  const b = new MemoryBudget(MiB)
  const u = new UploadBuffer(b.lease(), 100)
  const ref = Buffer.alloc(100)
  const put = (at: number, s: string) => {
    assert.equal(u.write(at, Buffer.from(s)), true)
    Buffer.from(s).copy(ref, at)
  }
  put(10, 'abcdef')
  put(0, 'XYZ')
  put(3, '0123456789') // bridges the hole and overwrites the first extent's head
  put(16, 'tail')
  put(8, 'QQQQQQQQQQQQ')
  put(40, 'far')
  put(20, '++')
  const a = u.assemble()
  assert.ok(a)
  assert.deepEqual(a.data, ref.subarray(0, 43))
  u.close()
  assert.equal(b.reserved, 0)
})

test('upload buffer: past the per-file cap the file is cut and truncated; a sequential upload keeps one extent', () => {
  const b = new MemoryBudget(MiB)
  const u = new UploadBuffer(b.lease(), 1000)
  for (let i = 0; i < 30; i++) assert.equal(u.append(Buffer.alloc(100, i)), true)
  assert.equal(u.extents, 1)
  assert.equal(u.size, 3000)
  const a = u.assemble()
  assert.ok(a)
  assert.deepEqual([a.data.length, a.truncated, a.size], [1000, true, 3000])
  assert.equal(a.data[999], 9)
  // a write wholly past the cap keeps nothing but still marks the upload
  const v = new UploadBuffer(b.lease(), 1000)
  assert.equal(v.write(5000, Buffer.from('x')), true)
  assert.equal(v.extents, 0)
  assert.equal(v.assemble()?.truncated, true)
  u.close()
  v.close()
  assert.equal(b.reserved, 0)
})

test('upload buffer: a spent budget refuses the write (what fit is kept) and the assembly', () => {
  const b = new MemoryBudget(4096)
  const u = new UploadBuffer(b.lease(), MiB)
  assert.equal(u.write(0, Buffer.alloc(3000, 1)), true)
  assert.equal(u.write(100_000, Buffer.alloc(2000, 2)), false)
  assert.equal(u.refusals, 1)
  assert.equal(u.lastRefusal?.scope, 'process')
  assert.equal(u.assemble(), undefined) // 102 KB of file does not fit either
  u.close()
  assert.equal(b.reserved, 0)
  assert.ok(b.refusals >= 2)
})

test('upload buffer: random writes assemble exactly like a file, and close gives every byte back', () => {
  const b = new MemoryBudget(MiB)
  for (let round = 0; round < 20; round++) {
    const cap = 2000
    const u = new UploadBuffer(b.lease(), cap)
    const ref = Buffer.alloc(4000)
    let size = 0
    for (let i = 0; i < 60; i++) {
      const at = Math.floor(Math.random() * 2500)
      const d = Buffer.alloc(1 + Math.floor(Math.random() * 300), Math.floor(Math.random() * 256))
      assert.equal(u.write(at, d), true)
      d.copy(ref, at)
      size = Math.max(size, at + d.length)
    }
    const a = u.assemble()
    assert.ok(a)
    assert.deepEqual(a.data, ref.subarray(0, Math.min(size, cap)))
    assert.equal(a.truncated, size > cap)
    u.close()
    assert.equal(b.reserved, 0)
  }
})
