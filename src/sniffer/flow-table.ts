// Flows by connection. IPv4 flows sit in a Map keyed by a 30-bit hash of the
// canonical 4-tuple (a small integer: no string is built per packet), chained
// on collision; IPv6 flows are keyed by a string. Iteration order is roughly
// insertion order, which eviction of the oldest flow relies on.
import type { Flow } from './flow.js'

/** Canonical 30-bit hash of two IPv4 endpoints given low first. */
export function hash4(ipLo: number, portLo: number, ipHi: number, portHi: number): number {
  let h = Math.imul(ipLo ^ 0x9e3779b9, 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13) ^ ((portLo << 16) | portHi), 0xc2b2ae35)
  h = Math.imul(h ^ (h >>> 16) ^ ipHi, 0x27d4eb2f)
  return (h ^ (h >>> 15)) & 0x3fffffff
}

export class FlowTable {
  readonly #v4 = new Map<number, Flow>()
  readonly #v6 = new Map<string, Flow>()
  #size = 0

  get size(): number {
    return this.#size
  }

  get4(hash: number, lo: number, hi: number): Flow | undefined {
    let f = this.#v4.get(hash)
    while (f !== undefined && (f.epLo !== lo || f.epHi !== hi)) f = f.next
    return f
  }

  get6(key: string): Flow | undefined {
    return this.#v6.get(key)
  }

  add(f: Flow): void {
    if (typeof f.key === 'number') {
      f.next = this.#v4.get(f.key)
      this.#v4.set(f.key, f)
    } else {
      this.#v6.set(f.key, f)
    }
    this.#size++
  }

  delete(f: Flow): void {
    if (typeof f.key === 'string') {
      if (this.#v6.get(f.key) === f) {
        this.#v6.delete(f.key)
        this.#size--
      }
      return
    }
    const head = this.#v4.get(f.key)
    if (head === f) {
      if (f.next) this.#v4.set(f.key, f.next)
      else this.#v4.delete(f.key)
      f.next = undefined
      this.#size--
      return
    }
    for (let p = head; p !== undefined; p = p.next) {
      if (p.next === f) {
        p.next = f.next
        f.next = undefined
        this.#size--
        return
      }
    }
  }

  /** The oldest-inserted flow (approximately). */
  oldest(): Flow | undefined {
    const a = this.#v4.values().next()
    if (!a.done) {
      let f = a.value
      while (f.next) f = f.next // chains grow at the head: the tail is the oldest
      return f
    }
    const b = this.#v6.values().next()
    return b.done ? undefined : b.value
  }

  /** Every flow; safe against deletion of the flow being visited. */
  *all(): Generator<Flow> {
    for (const head of [...this.#v4.values()]) {
      for (let f: Flow | undefined = head; f !== undefined; ) {
        const next: Flow | undefined = f.next
        yield f
        f = next
      }
    }
    yield* [...this.#v6.values()]
  }

  clear(): void {
    this.#v4.clear()
    this.#v6.clear()
    this.#size = 0
  }
}
