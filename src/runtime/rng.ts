import { createHmac } from 'node:crypto'

/**
 * Deterministic per-decky randomness: stable for one decky across restarts,
 * different between deckies and between installs (the seed mixes in the
 * install's secret). Built on HMAC-SHA256 in counter mode; forks by label so
 * that the order of draws in one emulator never shifts another's values.
 * Not for secrets that must be fresh per connection (use crypto.randomBytes).
 */
export class SeededRng {
  readonly #key: Buffer
  #counter = 0
  #pool = Buffer.alloc(0)

  constructor(key: Buffer) {
    this.#key = key
  }

  /**
   * The per-decky key HMAC-SHA256(installSecret, 'decky:<name>'). Service
   * containers get this (DECNET_DECKY_KEY), never the install secret itself.
   */
  static deckyKey(installSecret: Buffer, deckyName: string): Buffer {
    return createHmac('sha256', installSecret).update(`decky:${deckyName}`).digest()
  }

  /** Seed from the install secret and a decky name. */
  static forDecky(installSecret: Buffer, deckyName: string): SeededRng {
    return new SeededRng(SeededRng.deckyKey(installSecret, deckyName))
  }

  /** An independent stream for one purpose, e.g. rng.fork('ssh/hostkey'). */
  fork(label: string): SeededRng {
    return new SeededRng(createHmac('sha256', this.#key).update(`fork:${label}`).digest())
  }

  bytes(n: number): Buffer {
    while (this.#pool.length < n) {
      const block = createHmac('sha256', this.#key).update(`ctr:${this.#counter++}`).digest()
      this.#pool = Buffer.concat([this.#pool, block])
    }
    const out = this.#pool.subarray(0, n)
    this.#pool = this.#pool.subarray(n)
    return Buffer.from(out)
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.bytes(6).readUIntBE(0, 6) / 2 ** 48
  }

  /** Uniform integer in [min, max], inclusive. */
  int(min: number, max: number): number {
    if (max < min) throw new RangeError(`int(${min}, ${max})`)
    const span = max - min + 1
    // rejection sampling over 48 bits keeps it unbiased for any span we use
    const limit = Math.floor(2 ** 48 / span) * span
    for (;;) {
      const v = this.bytes(6).readUIntBE(0, 6)
      if (v < limit) return min + (v % span)
    }
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list')
    return items[this.int(0, items.length - 1)] as T
  }

  /** Weighted pick: [[item, weight], ...]. */
  pickWeighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((s, [, w]) => s + w, 0)
    let r = this.float() * total
    for (const [item, w] of items) {
      if ((r -= w) < 0) return item
    }
    return (items[items.length - 1] as readonly [T, number])[0]
  }

  hex(n: number): string {
    return this.bytes(n).toString('hex')
  }

  shuffle<T>(items: readonly T[]): T[] {
    const a = [...items]
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(0, i)
      ;[a[i], a[j]] = [a[j] as T, a[i] as T]
    }
    return a
  }
}
