// Pending input of one connection as a queue of chunks: bytes are never
// concatenated just to look at them, a search resumes where the last one
// stopped (each byte is scanned once while it waits), and the only copies made
// are of what is taken out, sized by the caller's cap, never by the attacker.

/** Chunks consumed from the front before the array is compacted. */
const COMPACT_AT = 1024

export class ByteQueue {
  #chunks: Buffer[] = []
  /** Index of the first live chunk. */
  #first = 0
  /** Bytes of chunks[#first] already consumed. */
  #off = 0
  #length = 0
  // scan cursor: chunk index, offset in it, and its distance from the front
  #scanIdx = 0
  #scanOff = 0
  #scanAbs = 0

  get length(): number {
    return this.#length
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.#chunks.push(chunk)
    this.#length += chunk.length
  }

  /**
   * Position (from the front) of the next `byte`, continuing from where the
   * previous search stopped; -1 when absent from the first `limit` bytes.
   * The cursor stays at the match, so the next search starts after it only
   * once the caller consumes it or calls `skipFound()`.
   */
  findByte(byte: number, limit = Infinity): number {
    this.#syncCursor()
    while (this.#scanIdx < this.#chunks.length && this.#scanAbs < limit) {
      const c = this.#chunks[this.#scanIdx] as Buffer
      const end = Math.min(c.length, this.#scanOff + (limit - this.#scanAbs))
      const at = c.indexOf(byte, this.#scanOff)
      if (at >= 0 && at < end) {
        this.#scanAbs += at - this.#scanOff
        this.#scanOff = at
        return this.#scanAbs
      }
      this.#scanAbs += end - this.#scanOff
      if (end < c.length) {
        this.#scanOff = end
        break
      }
      this.#scanIdx++
      this.#scanOff = 0
    }
    return -1
  }

  /** Moves the cursor past the byte `findByte` just found. */
  skipFound(): void {
    this.#scanOff++
    this.#scanAbs++
    const c = this.#chunks[this.#scanIdx]
    if (c && this.#scanOff >= c.length) {
      this.#scanIdx++
      this.#scanOff = 0
    }
  }

  /** The byte just before the one `findByte` found, or -1 at the front. O(1). */
  byteBeforeFound(): number {
    if (this.#scanAbs === 0) return -1
    if (this.#scanOff > 0) return this.#chunks[this.#scanIdx]?.[this.#scanOff - 1] ?? -1
    const prev = this.#chunks[this.#scanIdx - 1]
    return prev ? (prev[prev.length - 1] ?? -1) : -1
  }

  /** A copy of the first `n` bytes (n ≤ length), consumed. */
  take(n: number): Buffer {
    const out = Buffer.allocUnsafe(Math.min(n, this.#length))
    let got = 0
    while (got < out.length) {
      const c = this.#chunks[this.#first] as Buffer
      const k = Math.min(c.length - this.#off, out.length - got)
      c.copy(out, got, this.#off, this.#off + k)
      got += k
      this.#advance(k)
    }
    return out
  }

  /** A copy of the first `n` bytes (n ≤ length), not consumed. For headers: n is small. */
  peek(n: number): Buffer {
    const out = Buffer.allocUnsafe(Math.min(n, this.#length))
    let got = 0
    let i = this.#first
    let off = this.#off
    while (got < out.length) {
      const c = this.#chunks[i++] as Buffer
      got += c.copy(out, got, off, Math.min(c.length, off + out.length - got))
      off = 0
    }
    return out
  }

  /** The unconsumed part of the front chunk, as a view (not consumed); undefined when empty. */
  front(): Buffer | undefined {
    const c = this.#chunks[this.#first]
    return c ? c.subarray(this.#off) : undefined
  }

  /**
   * Up to `max` bytes from the front chunk, consumed, without a copy (a view
   * of the chunk: the caller copies what it keeps). undefined when empty.
   */
  shift(max = Infinity): Buffer | undefined {
    const c = this.#chunks[this.#first]
    if (!c) return undefined
    const k = Math.min(c.length - this.#off, max)
    const out = c.subarray(this.#off, this.#off + k)
    this.#advance(k)
    return out
  }

  /** Drops the first `n` bytes. */
  skip(n: number): void {
    let left = Math.min(n, this.#length)
    while (left > 0) {
      const c = this.#chunks[this.#first] as Buffer
      const k = Math.min(c.length - this.#off, left)
      this.#advance(k)
      left -= k
    }
  }

  /** Drops everything; returns how many bytes that was. */
  clear(): number {
    const n = this.#length
    this.#chunks = []
    this.#first = this.#off = this.#length = 0
    this.#scanIdx = this.#scanOff = this.#scanAbs = 0
    return n
  }

  #advance(k: number): void {
    this.#off += k
    this.#length -= k
    this.#scanAbs -= k
    const c = this.#chunks[this.#first] as Buffer
    if (this.#off >= c.length) {
      this.#chunks[this.#first] = EMPTY
      this.#first++
      this.#off = 0
      if (this.#first >= COMPACT_AT && this.#first * 2 >= this.#chunks.length) {
        this.#chunks = this.#chunks.slice(this.#first)
        this.#scanIdx -= this.#first
        this.#first = 0
      }
    }
    if (this.#length === 0 && this.#first > 0) {
      this.#chunks = []
      this.#first = 0
      this.#scanIdx = this.#scanOff = this.#scanAbs = 0
    }
  }

  /** After a consumption that reached the cursor, restart the scan at the front. */
  #syncCursor(): void {
    if (this.#scanAbs <= 0 || this.#scanIdx < this.#first) {
      this.#scanIdx = this.#first
      this.#scanOff = this.#off
      this.#scanAbs = 0
    }
  }
}

const EMPTY = Buffer.alloc(0)

/** Block size of an Accumulator: memory grows with the data, by at most this much at a time. */
const BLOCK = 16 * 1024

/**
 * Keeps at most `max` bytes of what is added, in blocks allocated as the data
 * arrives (never one buffer sized by a number the peer sent), and counts the rest.
 */
export class Accumulator {
  readonly #max: number
  readonly #blocks: Buffer[] = []
  #cur: Buffer | undefined
  #used = 0
  #kept = 0
  #total = 0

  constructor(max: number) {
    this.#max = Math.max(0, max)
  }

  /** Bytes added, kept or not. */
  get total(): number {
    return this.#total
  }

  get kept(): number {
    return this.#kept
  }

  get truncated(): boolean {
    return this.#total > this.#kept
  }

  add(s: Buffer): void {
    this.#total += s.length
    let at = 0
    while (at < s.length && this.#kept < this.#max) {
      if (!this.#cur || this.#used === this.#cur.length) {
        if (this.#cur) this.#blocks.push(this.#cur)
        this.#cur = Buffer.allocUnsafe(Math.min(BLOCK, this.#max - this.#kept))
        this.#used = 0
      }
      const k = s.copy(this.#cur, this.#used, at, at + Math.min(s.length - at, this.#cur.length - this.#used))
      this.#used += k
      this.#kept += k
      at += k
    }
  }

  /** What was kept, as one buffer. */
  toBuffer(): Buffer {
    const last = this.#cur ? [this.#cur.subarray(0, this.#used)] : []
    return Buffer.concat([...this.#blocks, ...last], this.#kept)
  }
}
