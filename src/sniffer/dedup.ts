// Repeats of one fingerprint (same event type, source, decky and value) inside
// a window are counted instead of emitted. Every emitted event carries `count`:
// the sightings it stands for, so the counts of all emitted events add up to
// the sightings. flush() emits the counts still pending (end of a file, stop),
// as the window's first event without its per-connection fields.
import type { DecnetEvent, EventFields } from '../events/event.js'

/** Fields of one connection that a pending-count event (standing for several) must not repeat. */
export const PER_CONNECTION_FIELDS = ['src_port', 'ja4l', 'ja4ls'] as const

interface Entry {
  windowStartUs: number
  lastSeenUs: number
  suppressed: number
  /** The event emitted when this window opened; the template for pending counts. */
  event: DecnetEvent | undefined
}

export class Deduper {
  readonly #entries = new Map<string, Entry>()

  constructor(
    private readonly emit: (ev: DecnetEvent) => void,
    private readonly windowUs: number,
    private readonly maxKeys: number,
    /** Formats a capture time for the events emitted by flush(). */
    private readonly timeOf: (us: number) => string,
  ) {}

  get size(): number {
    return this.#entries.size
  }

  /**
   * One sighting of `key`. Returns 0 when it is only counted, else the `count`
   * the caller's event must carry; the caller then hands the event to opened().
   */
  admit(key: string, nowUs: number): number {
    const e = this.#entries.get(key)
    if (e && nowUs - e.windowStartUs < this.windowUs) {
      e.suppressed++
      e.lastSeenUs = nowUs
      return 0
    }
    const count = 1 + (e?.suppressed ?? 0)
    if (e) this.#entries.delete(key)
    else if (this.#entries.size >= this.maxKeys) this.#evictOldest()
    this.#entries.set(key, { windowStartUs: nowUs, lastSeenUs: nowUs, suppressed: 0, event: undefined })
    return count
  }

  /** Remembers the event emitted for a key admit() just opened. */
  opened(key: string, ev: DecnetEvent): void {
    const e = this.#entries.get(key)
    if (e) e.event = ev
  }

  /** Emits every pending count and forgets all keys. */
  flush(): void {
    for (const e of this.#entries.values()) this.#pending(e)
    this.#entries.clear()
  }

  #pending(e: Entry): void {
    if (e.suppressed === 0 || !e.event) return
    const fields: EventFields = { ...e.event.fields, count: String(e.suppressed) }
    for (const k of PER_CONNECTION_FIELDS) delete fields[k]
    this.emit({ ...e.event, time: this.timeOf(e.lastSeenUs), fields })
  }

  #evictOldest(): void {
    const first = this.#entries.entries().next()
    if (first.done) return
    const [key, e] = first.value
    this.#entries.delete(key)
    this.#pending(e)
  }
}
