// One direction of a TCP connection, reassembled by sequence number for the
// first `cap` bytes only (the handshake). Out-of-order segments wait in a short
// list; retransmitted and overlapping bytes are taken once (first copy wins).

/** Out-of-order segments kept per direction before new ones are dropped. */
export const MAX_PENDING_SEGMENTS = 64
const HALF_SEQ_SPACE = 0x80000000
const EMPTY = Buffer.alloc(0)

/** Shared byte budget across every stream of one sniffer. */
export class ByteBudget {
  used = 0
  constructor(readonly limit: number) {}
  take(n: number): boolean {
    if (this.used + n > this.limit) return false
    this.used += n
    return true
  }
  give(n: number): void {
    this.used -= n
  }
}

interface Pending {
  off: number
  bytes: Buffer
}

export class StreamBuffer {
  /** Sequence number of stream byte 0; undefined until the SYN or first data segment fixes it. */
  #base: number | undefined
  #buf: Buffer | undefined
  /**
   * Zero-copy fast path: the first in-order segment is only referenced, not
   * copied; settle() copies it if the handshake still needs it after the packet.
   */
  #borrowed: Buffer | undefined
  #len = 0
  #pending: Pending[] = []
  /** Set when the cap or the byte budget stopped the stream. */
  full = false

  constructor(
    readonly cap: number,
    readonly budget: ByteBudget,
  ) {}

  /** Fixes stream byte 0 at `seq` (ISN + 1 from a SYN). Ignored once set. */
  setBase(seq: number): void {
    if (this.#base === undefined) this.#base = seq >>> 0
  }

  get hasBase(): boolean {
    return this.#base !== undefined
  }

  get length(): number {
    return this.#len
  }

  /** The contiguous bytes from stream offset 0. A view; valid until the next add() or settle(). */
  bytes(): Buffer {
    if (this.#borrowed) return this.#borrowed
    return this.#buf ? this.#buf.subarray(0, this.#len) : EMPTY
  }

  /** Copies borrowed packet bytes into the stream's own buffer (call before the packet buffer goes away). */
  settle(): void {
    const b = this.#borrowed
    if (!b) return
    this.#borrowed = undefined
    this.#len = 0
    if (!this.#ensure(b.length)) return
    b.copy(this.#buf!, 0)
    this.#len = b.length
  }

  /** Adds segment bytes src[start, end) at sequence `seq`; true when the contiguous prefix grew. */
  add(seq: number, src: Buffer, start: number, end: number): boolean {
    if (end <= start || this.full) return false
    if (this.#base === undefined) this.#base = seq >>> 0
    let rel = (seq - this.#base) >>> 0
    let s = start
    if (rel >= HALF_SEQ_SPACE) {
      // Starts before byte 0 (e.g. a retransmitted SYN+data): keep the part from byte 0 on.
      const before = 0x100000000 - rel
      if (before >= end - s) return false
      s += before
      rel = 0
    }
    if (rel >= this.cap) return false
    const e = Math.min(end, s + (this.cap - rel))
    if (rel > this.#len) {
      if (this.#pending.length < MAX_PENDING_SEGMENTS) {
        this.#pending.push({ off: rel, bytes: Buffer.from(src.subarray(s, e)) })
      }
      return false
    }
    if (this.#len === 0 && rel === 0 && this.#pending.length === 0) {
      this.#borrowed = src.subarray(s, e)
      this.#len = e - s
      return true
    }
    if (this.#borrowed) this.settle()
    const before = this.#len
    this.#append(rel, src, s, e)
    if (this.#pending.length > 0) this.#drain()
    return this.#len > before
  }

  /** Copies bytes at stream offset `rel` (≤ length) onto the end, skipping what is already there. */
  #append(rel: number, src: Buffer, s: number, e: number): void {
    const skip = this.#len - rel
    if (skip >= e - s) return
    const from = s + skip
    const n = e - from
    if (!this.#ensure(this.#len + n)) return
    src.copy(this.#buf!, this.#len, from, e)
    this.#len += n
  }

  #drain(): void {
    let progressed = true
    while (progressed && this.#pending.length > 0) {
      progressed = false
      for (let i = 0; i < this.#pending.length; i++) {
        const p = this.#pending[i]!
        if (p.off > this.#len) continue
        this.#pending.splice(i, 1)
        i--
        const before = this.#len
        this.#append(p.off, p.bytes, 0, p.bytes.length)
        if (this.#len > before) progressed = true
      }
    }
  }

  #ensure(need: number): boolean {
    const have = this.#buf?.length ?? 0
    if (need <= have) return true
    let size = Math.max(have * 2, 2048)
    while (size < need) size *= 2
    size = Math.min(size, this.cap)
    if (size < need || !this.budget.take(size - have)) {
      this.full = true
      return false
    }
    const next = Buffer.allocUnsafe(size)
    if (this.#buf) this.#buf.copy(next, 0, 0, this.#len)
    this.#buf = next
    return true
  }

  /** Frees the buffer (handshake parsed or abandoned). */
  release(): void {
    if (this.#buf) this.budget.give(this.#buf.length)
    this.#buf = undefined
    this.#borrowed = undefined
    this.#pending = []
    this.#len = 0
    this.full = true
  }
}
