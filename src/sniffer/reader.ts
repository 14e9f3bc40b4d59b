// A cursor over a Buffer whose reads return undefined on a short read and
// never throw (parsing that cannot overrun).
export class Reader {
  constructor(
    private readonly buf: Buffer,
    public off = 0,
    private readonly end = buf.length,
  ) {}

  get remaining(): number {
    return this.end - this.off
  }

  u8(): number | undefined {
    if (this.off + 1 > this.end) return undefined
    return this.buf[this.off++]
  }

  u16(): number | undefined {
    if (this.off + 2 > this.end) return undefined
    const v = (this.buf[this.off]! << 8) | this.buf[this.off + 1]!
    this.off += 2
    return v
  }

  u24(): number | undefined {
    if (this.off + 3 > this.end) return undefined
    const v = (this.buf[this.off]! << 16) | (this.buf[this.off + 1]! << 8) | this.buf[this.off + 2]!
    this.off += 3
    return v
  }

  u32(): number | undefined {
    if (this.off + 4 > this.end) return undefined
    const v = this.buf.readUInt32BE(this.off)
    this.off += 4
    return v
  }

  bytes(n: number): Buffer | undefined {
    if (n < 0 || this.off + n > this.end) return undefined
    const v = this.buf.subarray(this.off, this.off + n)
    this.off += n
    return v
  }

  skip(n: number): boolean {
    if (n < 0 || this.off + n > this.end) return false
    this.off += n
    return true
  }

  /** A sub-reader over the next n bytes (and skips them here). */
  sub(n: number): Reader | undefined {
    if (n < 0 || this.off + n > this.end) return undefined
    const r = new Reader(this.buf, this.off, this.off + n)
    this.off += n
    return r
  }

  /** A list of u16 values filling exactly n bytes. */
  u16List(n: number): number[] | undefined {
    if (n % 2 !== 0 || n < 0 || this.off + n > this.end) return undefined
    const out: number[] = []
    for (let i = 0; i < n; i += 2) out.push((this.buf[this.off + i]! << 8) | this.buf[this.off + i + 1]!)
    this.off += n
    return out
  }
}

/** Printable ASCII kept, anything else becomes '?' (attacker-controlled text in events). */
export function printable(b: Buffer, max: number): string {
  let s = ''
  const n = Math.min(b.length, max)
  for (let i = 0; i < n; i++) {
    const c = b[i]!
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '?'
  }
  return s
}
