// An upload kept in memory as the extents that were written (offset → bytes),
// not as one buffer as long as the highest offset: a 1-byte write at offset
// 32 MiB costs about one byte plus bookkeeping. Every byte (and the
// bookkeeping) is reserved from a MemoryLease before it is allocated; holes
// are zero-filled only when the file is assembled, capped at the artifact
// store's per-file limit.
import type { MemoryLease, MemoryRefusal } from './memory-budget.js'

export const UPLOAD_BUFFER_LIMITS = Object.freeze({
  /** Bytes charged per extent for its bookkeeping (object, Buffer header, array slot). */
  extentOverhead: 128,
  /** Extents one file may have; a write that needs more is refused. */
  maxExtents: 16384,
  /** Smallest growth step of an extent that is appended to. */
  minGrowth: 4096,
})

interface Extent {
  start: number
  buf: Buffer
  len: number
}

export interface AssembledUpload {
  /** The file as written, holes zero-filled, at most maxFileBytes long. */
  data: Buffer
  /** Bytes were written at or past maxFileBytes, or refused for memory: the upload is longer than `data`. */
  truncated: boolean
  /** Logical size: the highest offset written, uncapped. */
  size: number
}

export class UploadBuffer {
  #extents: Extent[] = []
  #size = 0
  #truncated = false
  #closed = false
  /** Why the last refused write was refused. */
  lastRefusal: MemoryRefusal | undefined
  /** Writes refused so far (the emulator logs the first). */
  refusals = 0

  constructor(
    readonly lease: MemoryLease,
    readonly maxFileBytes: number,
  ) {}

  /** Highest offset written (what a stat shows), uncapped. */
  get size(): number {
    return this.#size
  }
  get truncated(): boolean {
    return this.#truncated || this.#size > this.maxFileBytes
  }
  get extents(): number {
    return this.#extents.length
  }
  /** Bytes this upload holds in the budget. */
  get held(): number {
    return this.lease.held
  }

  /** Appends at the current end. */
  append(data: Buffer): boolean {
    return this.write(this.#size, data)
  }

  /**
   * Stores `data` at `offset` (later writes win). Bytes at or past the
   * per-file cap are dropped and mark the upload truncated. False when the
   * memory budget refused: what fit before the refusal is kept.
   */
  write(offset: number, data: Buffer): boolean {
    if (this.#closed || !Number.isSafeInteger(offset) || offset < 0) return false
    const want = offset + data.length
    const end = Math.min(want, this.maxFileBytes)
    const done = () => {
      if (want > this.#size) this.#size = want
      if (want > end) this.#truncated = true
      return true
    }
    if (end <= offset) return done()
    const ex = this.#extents
    // first extent that ends after `offset`
    let i = this.#firstEndingAfter(offset)
    let cur = offset
    while (cur < end) {
      const e = ex[i]
      if (e && e.start <= cur) {
        const n = Math.min(end, e.start + e.len) - cur
        data.copy(e.buf, cur - e.start, cur - offset, cur - offset + n)
        cur += n
        i++
        continue
      }
      const gapEnd = Math.min(end, e ? e.start : end)
      const prev = ex[i - 1]
      if (prev && prev.start + prev.len === cur) {
        if (!this.#grow(prev, gapEnd - prev.start, e ? e.start : this.maxFileBytes)) return this.#stoppedAt(cur)
        data.copy(prev.buf, cur - prev.start, cur - offset, gapEnd - offset)
        prev.len = gapEnd - prev.start
      } else {
        const n = gapEnd - cur
        if (ex.length >= UPLOAD_BUFFER_LIMITS.maxExtents) {
          this.#refuse({ requested: n, reserved: this.lease.budget.reserved, limit: this.lease.budget.limit, scope: 'session' })
          return this.#stoppedAt(cur)
        }
        if (!this.lease.reserve(n + UPLOAD_BUFFER_LIMITS.extentOverhead)) {
          this.#refuse(this.lease.lastRefusal)
          return this.#stoppedAt(cur)
        }
        const buf = Buffer.allocUnsafeSlow(n)
        data.copy(buf, 0, cur - offset, gapEnd - offset)
        ex.splice(i, 0, { start: cur, buf, len: n })
        i++
      }
      cur = gapEnd
    }
    return done()
  }

  /** A refused write counts as far as it was stored. */
  #stoppedAt(cur: number): false {
    if (cur > this.#size) this.#size = cur
    this.#truncated = true // the file is missing what was refused
    return false
  }

  /** The file, holes zero-filled, capped; undefined when the budget cannot hold the assembled copy. */
  assemble(): AssembledUpload | undefined {
    const size = this.#size
    const capped = Math.min(size, this.maxFileBytes)
    const truncated = this.truncated
    const ex = this.#extents
    const only = ex[0]
    if (ex.length === 1 && only && only.start === 0 && only.len === capped) {
      return { data: only.buf.subarray(0, capped), truncated, size }
    }
    if (!this.lease.reserve(capped)) {
      this.#refuse(this.lease.lastRefusal)
      return undefined
    }
    const data = Buffer.alloc(capped)
    for (const e of ex) e.buf.copy(data, e.start, 0, Math.min(e.len, capped - e.start))
    this.#dropExtents()
    return { data, truncated, size }
  }

  /** Gives every reserved byte back (call when the file or session closes). */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#extents = []
    this.lease.close()
  }

  #firstEndingAfter(offset: number): number {
    const ex = this.#extents
    let lo = 0
    let hi = ex.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const e = ex[mid] as Extent
      if (e.start + e.len <= offset) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Makes e.buf hold at least `need` bytes, never past `limit` (the next extent or the cap). */
  #grow(e: Extent, need: number, limit: number): boolean {
    if (need <= e.buf.length) return true
    const room = limit - e.start
    let cap = Math.max(need, Math.min(room, Math.max(e.buf.length * 2, UPLOAD_BUFFER_LIMITS.minGrowth)))
    if (!this.lease.reserve(cap - e.buf.length)) {
      // near the limit: exactly what this write needs, no headroom
      if (cap === need || !this.lease.reserve(need - e.buf.length)) return this.#refuse(this.lease.lastRefusal)
      cap = need
    }
    const grown = Buffer.allocUnsafeSlow(cap)
    e.buf.copy(grown, 0, 0, e.len)
    e.buf = grown
    return true
  }

  #dropExtents(): void {
    let bytes = 0
    for (const e of this.#extents) bytes += e.buf.length + UPLOAD_BUFFER_LIMITS.extentOverhead
    this.#extents = []
    this.lease.release(bytes)
  }

  #refuse(r: MemoryRefusal | undefined): false {
    this.lastRefusal = r
    this.refusals++
    return false
  }
}
