// The ingester: an EventSink that buffers events and writes them, with the rows
// derived from them (rules.ts), in one store transaction per batch — every
// batchSize events or flushMs after the first buffered one, whichever is first.
// Under a burst, batches that became ready in the same turn of the event loop
// are written as one transaction (up to maxBatch events): fewer commits, same latency.
import { eventTime, type DecnetEvent } from '../events/event.js'
import type { EventSink } from '../events/sink.js'
import { stderrLog, type LogFn } from '../log.js'
import { deriveBatch } from './rules.js'
import type { RejectRow, Store } from './types.js'

export const INGEST_DEFAULTS = Object.freeze({
  batchSize: 100,
  flushMs: 250,
  /** Largest transaction when ready batches are coalesced. */
  maxBatch: 1000,
  /** Events accepted but not yet written; past it new events are dropped and counted. */
  maxQueued: 200_000,
})

export interface IngesterOptions {
  batchSize?: number
  flushMs?: number
  maxBatch?: number
  maxQueued?: number
  /** Called when a batch cannot be written (default: a throttled line through `log`). */
  onError?: (e: Error) => void
  /** Where the default onError writes (default: `decnet: …` lines on stderr). */
  log?: LogFn
}

export interface IngestStats {
  received: number
  written: number
  dropped: number
  rejected: number
  badSecrets: number
  failedBatches: number
}

export class Ingester implements EventSink {
  readonly stats: IngestStats = { received: 0, written: 0, dropped: 0, rejected: 0, badSecrets: 0, failedBatches: 0 }
  readonly #store: Store
  readonly #opts: Required<Omit<IngesterOptions, 'onError' | 'log'>>
  readonly #onError: (e: Error) => void
  #pending: { ev: DecnetEvent; raw?: string | undefined }[] = []
  #rejects: RejectRow[] = []
  #queued = 0
  #timer: NodeJS.Timeout | undefined
  #immediate: NodeJS.Immediate | undefined
  #chain: Promise<void> = Promise.resolve()
  #closed = false

  constructor(store: Store, opts: IngesterOptions = {}) {
    this.#store = store
    this.#opts = {
      batchSize: opts.batchSize ?? INGEST_DEFAULTS.batchSize,
      flushMs: opts.flushMs ?? INGEST_DEFAULTS.flushMs,
      maxBatch: Math.max(opts.maxBatch ?? INGEST_DEFAULTS.maxBatch, opts.batchSize ?? INGEST_DEFAULTS.batchSize),
      maxQueued: opts.maxQueued ?? INGEST_DEFAULTS.maxQueued,
    }
    // By default: one log line for the 1st, 10th, 100th … failed batch, not one per batch.
    const log = opts.log ?? stderrLog()
    this.#onError =
      opts.onError ??
      ((e) => {
        const n = this.stats.failedBatches
        if (Number.isInteger(Math.log10(n))) log(`ingest: ${e.message} (${n} failed batch${n === 1 ? '' : 'es'})`)
      })
  }

  /** Queue an event; `raw` is the line it was read from, if any. */
  write(ev: DecnetEvent, raw?: string): void {
    if (this.#closed || this.#queued >= this.#opts.maxQueued) {
      this.stats.dropped++
      return
    }
    this.stats.received++
    this.#queued++
    this.#pending.push({ ev, raw })
    this.#due(this.#pending.length)
  }

  /** Keep a line the collector could not read (table raw_lines). */
  reject(raw: string, peer: string, reason: string, time = eventTime()): void {
    if (this.#closed || this.#queued >= this.#opts.maxQueued) {
      this.stats.dropped++
      return
    }
    this.stats.rejected++
    this.#queued++
    this.#rejects.push({ time, peer, reason, raw })
    this.#due(this.#rejects.length)
  }

  /** Writes everything queued so far; resolves when it is in the store. */
  async flush(): Promise<void> {
    this.#kick()
    await this.#chain
  }

  /** Flushes and stops accepting events. The store stays open (its owner closes it). */
  async close(): Promise<void> {
    await this.flush()
    this.#closed = true
  }

  /** Decides when the buffer is written: now (maxBatch), this turn (batchSize) or on the timer. */
  #due(n: number): void {
    if (n >= this.#opts.maxBatch) this.#kick()
    else if (n >= this.#opts.batchSize) {
      this.#immediate ??= setImmediate(() => {
        this.#immediate = undefined
        this.#kick()
      })
    } else this.#arm()
  }

  #arm(): void {
    if (this.#timer) return
    this.#timer = setTimeout(() => this.#kick(), this.#opts.flushMs)
    this.#timer.unref()
  }

  #kick(): void {
    if (this.#timer) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
    if (this.#immediate) {
      clearImmediate(this.#immediate)
      this.#immediate = undefined
    }
    if (this.#pending.length === 0 && this.#rejects.length === 0) return
    const items = this.#pending
    const rejects = this.#rejects
    this.#pending = []
    this.#rejects = []
    const n = items.length + rejects.length
    const batch = deriveBatch(items, this.stats)
    batch.rejects = rejects
    this.#chain = this.#chain
      .then(() => this.#store.write(batch))
      .then(
        () => {
          this.stats.written += items.length
        },
        (e: unknown) => {
          this.stats.failedBatches++
          this.#onError(e instanceof Error ? e : new Error(String(e)))
        },
      )
      .finally(() => {
        this.#queued -= n
      })
  }
}
