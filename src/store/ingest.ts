// The ingester: an EventSink that buffers events and writes them, with the rows
// derived from them (rules.ts), in one store transaction per batch — every
// batchSize events or flushMs after the first buffered one, whichever is first.
// Under a burst, batches that became ready in the same turn of the event loop
// are written as one transaction (up to maxBatch events): fewer commits, same latency.
//
// Bounty is not batched. An event that carries a secret (`secret_b64`) or an
// artifact is committed inside write(), together with everything buffered
// before it (order kept), when the store can commit synchronously (SQLite).
// Emulators emit synchronously (ctx.events.emit → FanoutSink → Ingester), so the
// credential is in the store before the emulator's next line — its reply to the
// login or upload — and a kill -9 after that reply cannot lose it. Connection
// noise stays batched; a crash loses at most flushMs (≤ MAX_FLUSH_MS) of it.
import { eventTime, type DecnetEvent } from '../events/event.js'
import type { EventSink } from '../events/sink.js'
import { stderrLog, type LogFn } from '../log.js'
import { ARTIFACT_TYPES, deriveBatch } from './rules.js'
import type { Batch, RejectRow, Store } from './types.js'

export const INGEST_DEFAULTS = Object.freeze({
  batchSize: 100,
  flushMs: 250,
  /** Largest transaction when ready batches are coalesced. */
  maxBatch: 1000,
  /** Events accepted but not yet written; past it new events are dropped and counted. */
  maxQueued: 200_000,
})

/** The longest flushMs accepted: what a crash can lose of batched (non-bounty) events. */
export const MAX_FLUSH_MS = 1000

/** Events whose rows are bounty (a credential or an artifact): committed at once, never left in the batch. */
export function carriesBounty(ev: DecnetEvent): boolean {
  return ev.fields.secret_b64 !== undefined || ARTIFACT_TYPES.has(ev.type)
}

export interface IngesterOptions {
  batchSize?: number
  /** Longest wait before buffered events are written (clamped to 0…MAX_FLUSH_MS). */
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
      flushMs: Math.min(Math.max(opts.flushMs ?? INGEST_DEFAULTS.flushMs, 0), MAX_FLUSH_MS),
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
    if (carriesBounty(ev) && this.#store.writeSync) this.#commitNow()
    else this.#due(this.#pending.length)
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

  /** Takes everything buffered as one batch (undefined when nothing is). */
  #take(): { batch: Batch; items: number; n: number } | undefined {
    if (this.#timer) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
    if (this.#immediate) {
      clearImmediate(this.#immediate)
      this.#immediate = undefined
    }
    if (this.#pending.length === 0 && this.#rejects.length === 0) return undefined
    const items = this.#pending
    const rejects = this.#rejects
    this.#pending = []
    this.#rejects = []
    const batch = deriveBatch(items, this.stats)
    batch.rejects = rejects
    return { batch, items: items.length, n: items.length + rejects.length }
  }

  /** Commits everything buffered now, in this call (the store has writeSync). */
  #commitNow(): void {
    const taken = this.#take()
    if (!taken) return
    try {
      this.#store.writeSync!(taken.batch)
      this.stats.written += taken.items
    } catch (e) {
      this.stats.failedBatches++
      this.#onError(e instanceof Error ? e : new Error(String(e)))
    } finally {
      this.#queued -= taken.n
    }
  }

  #kick(): void {
    const taken = this.#take()
    if (!taken) return
    const { batch, items, n } = taken
    this.#chain = this.#chain
      .then(() => this.#store.write(batch))
      .then(
        () => {
          this.stats.written += items
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
