// An EventSink for tests: keeps events in memory and lets a test await one.
import type { DecnetEvent } from '../../src/events/event.js'
import type { EventSink } from '../../src/events/sink.js'

/** Keeps events in memory and lets a test await one. */
export class MemorySink implements EventSink {
  readonly events: DecnetEvent[] = []
  #waiters: { match: (e: DecnetEvent) => boolean; resolve: (e: DecnetEvent) => void }[] = []

  write(event: DecnetEvent): void {
    this.events.push(event)
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.match(event)) return true
      w.resolve(event)
      return false
    })
  }

  /** The first event (already seen or future) of `type` that matches; rejects after timeoutMs. */
  next(type: string, where: (e: DecnetEvent) => boolean = () => true, timeoutMs = 5000): Promise<DecnetEvent> {
    const match = (e: DecnetEvent) => e.type === type && where(e)
    const seen = this.events.find(match)
    if (seen) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter)
        const types = [...new Set(this.events.map((e) => e.type))].join(', ')
        reject(new Error(`no '${type}' event within ${timeoutMs} ms (seen: ${types || 'none'})`))
      }, timeoutMs)
      const waiter = {
        match,
        resolve: (e: DecnetEvent) => {
          clearTimeout(timer)
          resolve(e)
        },
      }
      this.#waiters.push(waiter)
    })
  }

  ofType(type: string): DecnetEvent[] {
    return this.events.filter((e) => e.type === type)
  }
}
