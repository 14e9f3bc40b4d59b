// Repeats of one fingerprint (same event type, source, decky and value) inside
// a window are counted instead of emitted. Every emitted event carries `count`:
// the sightings it stands for, so the counts of all emitted events add up to
// the sightings. flush() emits the counts still pending (end of a file, stop).
import type { DecnetEvent } from '../events/event.js'

interface Entry {
  windowStartUs: number
  suppressed: number
  last: DecnetEvent
}

export class Deduper {
  readonly #entries = new Map<string, Entry>()

  constructor(
    private readonly emit: (ev: DecnetEvent) => void,
    private readonly windowUs: number,
    private readonly maxKeys: number,
  ) {}

  get size(): number {
    return this.#entries.size
  }

  offer(key: string, ev: DecnetEvent, nowUs: number): void {
    const e = this.#entries.get(key)
    if (e && nowUs - e.windowStartUs < this.windowUs) {
      e.suppressed++
      e.last = ev
      return
    }
    const count = 1 + (e?.suppressed ?? 0)
    if (e) this.#entries.delete(key)
    else if (this.#entries.size >= this.maxKeys) this.#evictOldest()
    this.#entries.set(key, { windowStartUs: nowUs, suppressed: 0, last: ev })
    this.emit(withCount(ev, count))
  }

  /** Emits every pending count and forgets all keys. */
  flush(): void {
    for (const e of this.#entries.values()) if (e.suppressed > 0) this.emit(withCount(e.last, e.suppressed))
    this.#entries.clear()
  }

  #evictOldest(): void {
    const first = this.#entries.entries().next()
    if (first.done) return
    const [key, e] = first.value
    this.#entries.delete(key)
    if (e.suppressed > 0) this.emit(withCount(e.last, e.suppressed))
  }
}

function withCount(ev: DecnetEvent, count: number): DecnetEvent {
  return { ...ev, fields: { ...ev.fields, count: String(count) } }
}
