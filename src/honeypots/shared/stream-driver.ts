// What the line server and the frame server share: one accepted stream (a
// net.Socket or a TLSSocket) and its Session, input queued and handed out in
// order to one handler at a time, backpressure, a per-command timeout,
// continuation reads, in-protocol upgrades (STARTTLS) and one way to fail.
// No listeners or servers here: the runtime accepts, this drives.
import type { Duplex } from 'node:stream'
import type { Session } from '../../runtime/context.js'
import { Accumulator, ByteQueue } from './byte-queue.js'

/** Input held while a handler runs; reading pauses above this. */
export const DEFAULT_MAX_PENDING_BYTES = 64 * 1024
/** A handler that does not settle within this ends the session. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 30_000
/** How long close() waits for queued replies to flush before it destroys. */
export const DEFAULT_CLOSE_GRACE_MS = 2_000
/** Longest error text a protocol_error event carries. */
const MAX_ERROR_TEXT = 200

export type ReadErrorCode = 'closed' | 'line_too_long' | 'over_limit'

/**
 * Why a continuation read failed. `closed`: the stream ended or the session
 * was closed (the driver then closes quietly); `line_too_long`: the line
 * server's overflow path runs; `over_limit`: a declared size above its cap
 * (nothing was read; the handler may answer and go on).
 */
export class StreamReadError extends Error {
  constructor(
    readonly code: ReadErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'StreamReadError'
  }
}

export interface DriverOptions {
  maxPendingBytes?: number
  /** 0 disables. Time a handler spends waiting for input it asked for is not counted: the idle timeout covers that. */
  commandTimeoutMs?: number
  closeGraceMs?: number
}

/** One unit of work: a handler call for a line or a frame. */
export type Job = () => void | Promise<void>

/** A continuation read a handler is waiting for. */
export interface PendingRead {
  /** Takes what it needs from the queue; true once it has settled its promise. */
  step(): boolean
  fail(e: Error): void
}

const isThenable = (v: unknown): v is PromiseLike<void> =>
  typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function'

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).slice(0, MAX_ERROR_TEXT)

export abstract class StreamDriver {
  readonly session: Session
  protected readonly queue = new ByteQueue()
  readonly #maxPending: number
  readonly #timeoutMs: number
  readonly #graceMs: number
  #stream: Duplex
  #read: PendingRead | undefined
  #busy = false
  #pumping = false
  #again = false
  /** No more input will come: the stream ended, errored or closed. */
  #ended = false
  #endReason = 'closed'
  /** close() was called: nothing more is read, handled or written. */
  #stopped = false
  #paused = false
  #timer: NodeJS.Timeout | undefined

  constructor(stream: Duplex, session: Session, opts: DriverOptions) {
    this.session = session
    this.#stream = stream
    this.#maxPending = opts.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES
    this.#timeoutMs = opts.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS
    this.#graceMs = opts.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS
    this.#attach(stream)
  }

  /** The stream currently read and written (the TLS one after upgrade()). */
  get stream(): Duplex {
    return this.#stream
  }

  get closed(): boolean {
    return this.#stopped || this.session.closed
  }

  /** Input received and not yet handled. */
  get pendingBytes(): number {
    return this.queue.length
  }

  /** The next unit of work from the queue, or undefined when more input is needed. */
  protected abstract nextUnit(): Job | undefined
  /** The stream changed (upgrade): forget any scanning state. */
  protected abstract onReset(): void
  /** Work to run when a handler's continuation read hit the line cap. */
  protected overflowJob(): Job | undefined {
    return undefined
  }

  write(data: Buffer | string): void {
    const s = this.#stream
    if (this.#stopped || s.destroyed || s.writableEnded) return
    s.write(data)
  }

  /** Resolves once written data has drained to the stream (or it closed). */
  flush(): Promise<void> {
    const s = this.#stream
    if (s.destroyed || !s.writableNeedDrain) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        s.off('drain', done)
        s.off('close', done)
        resolve()
      }
      s.once('drain', done)
      s.once('close', done)
    })
  }

  /**
   * Read exactly `n` bytes (an IMAP literal). `n` is checked against `max`
   * before anything is allocated; the bytes are kept as they arrive.
   */
  readBytes(n: number, opts: { max: number }): Promise<Buffer> {
    if (!Number.isSafeInteger(n) || n < 0 || n > opts.max) {
      return Promise.reject(new StreamReadError('over_limit', `read of ${n} bytes over the ${opts.max}-byte cap`))
    }
    return new Promise((resolve, reject) => {
      const acc = new Accumulator(n)
      this.installRead({
        step: () => {
          while (acc.kept < n) {
            const c = this.queue.shift(n - acc.kept)
            if (!c) return false
            acc.add(c)
          }
          resolve(acc.toBuffer())
          return true
        },
        fail: reject,
      })
    })
  }

  /**
   * Switch to a new stream wrapping the old one (the TLSSocket of STARTTLS,
   * made by the runtime). The old stream is no longer read, and whatever
   * plaintext arrived after the line or frame that asked for the upgrade is
   * discarded, never handed to the handler as if it came over TLS (the
   * command-injection class of CVE-2011-0411). Returns how many bytes that was.
   */
  upgrade(next: Duplex): { discarded: number } {
    const old = this.#stream
    this.#detach(old)
    let discarded = this.queue.clear()
    // bytes read from the kernel but not yet emitted to us: still plaintext from before the handshake
    if (old !== next && old.readableLength > 0 && !old.destroyed) {
      for (let b: unknown = old.read(); b !== null; b = old.read()) discarded += (b as Buffer).length
    }
    this.onReset()
    if (this.#stopped) return { discarded }
    this.#stream = next
    this.#paused = false
    this.#ended = false
    this.#attach(next)
    this.#pump()
    return { discarded }
  }

  /**
   * End the session: nothing more is read or handled, replies already written
   * are flushed (for at most closeGraceMs), then the Session is closed with
   * `reason` (the `disconnect` event's reason).
   */
  close(reason = 'server_close'): void {
    if (this.#stopped) return
    this.#stop()
    const s = this.#stream
    const finish = () => {
      this.session.close(reason)
      if (!s.destroyed) s.destroy()
    }
    if (s.destroyed || s.writableEnded || !s.writable) return finish()
    let done = false
    const timer = setTimeout(() => once(), this.#graceMs)
    timer.unref()
    const once = () => {
      if (done) return
      done = true
      clearTimeout(timer)
      finish()
    }
    s.end(once)
  }

  /** For subclasses' continuation reads: at most one at a time, from inside a handler. */
  protected installRead(r: PendingRead): void {
    if (this.#stopped) return r.fail(new StreamReadError('closed', 'session closed'))
    if (this.#read) return r.fail(new Error('a continuation read is already pending'))
    this.#read = r
    this.#clearTimer()
    this.#pump()
  }

  #attach(s: Duplex): void {
    s.on('data', this.#onData)
    s.on('end', this.#onEnd)
    s.on('close', this.#onClose)
    // never detached: an error with no listener would escape the session
    s.on('error', this.#onError)
  }

  #detach(s: Duplex): void {
    s.off('data', this.#onData)
    s.off('end', this.#onEnd)
    s.off('close', this.#onClose)
  }

  readonly #onData = (chunk: Buffer | string): void => {
    if (this.#stopped) return
    this.session.touch()
    this.queue.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
    this.#pump()
  }

  readonly #onEnd = (): void => {
    this.#ended = true
    this.#pump()
  }

  readonly #onClose = (): void => {
    this.#ended = true
    this.#pump()
  }

  readonly #onError = (): void => {
    // resets and TLS failures are normal: input already received is still handled, then the session closes
    if (this.#stopped) return
    this.#endReason = 'stream_error'
    this.#ended = true
    this.#pump()
  }

  /** Non-reentrant: a handler that writes, reads or closes while we loop is picked up by the loop. */
  #pump(): void {
    if (this.#pumping) {
      this.#again = true
      return
    }
    this.#pumping = true
    try {
      do {
        this.#again = false
        this.#step()
      } while (this.#again && !this.#stopped)
    } finally {
      this.#pumping = false
    }
    this.#flow()
  }

  #step(): void {
    while (!this.#stopped) {
      const r = this.#read
      if (r) {
        if (!r.step()) {
          if (!this.#ended) return
          this.#read = undefined
          r.fail(new StreamReadError('closed', 'stream ended'))
          return
        }
        this.#read = undefined
        // the handler has its input and works again: its clock restarts
        if (this.#busy) this.#armTimer()
        continue
      }
      if (this.#busy) return
      const job = this.nextUnit()
      if (!job) {
        // everything complete has been handled; a partial line or frame at the end is dropped
        if (this.#ended) this.close(this.#endReason)
        return
      }
      this.#run(job)
    }
  }

  #run(job: Job): void {
    this.#busy = true
    this.#armTimer()
    let result: void | Promise<void>
    try {
      result = job()
    } catch (e) {
      this.#settled()
      this.#failed(e)
      return
    }
    if (!isThenable(result)) {
      this.#settled()
      return
    }
    result.then(
      () => {
        if (this.#stopped) return
        this.#settled()
        this.#pump()
      },
      (e: unknown) => {
        if (this.#stopped) return
        this.#settled()
        this.#failed(e)
        this.#pump()
      },
    )
  }

  #settled(): void {
    this.#busy = false
    this.#clearTimer()
  }

  /** A handler threw: that costs this session only. */
  #failed(e: unknown): void {
    if (this.#stopped) return
    if (e instanceof StreamReadError && e.code === 'closed') return this.close(this.#endReason)
    if (e instanceof StreamReadError && e.code === 'line_too_long') {
      const job = this.overflowJob()
      if (job) return this.#run(job)
    }
    this.session.emit('protocol_error', { error: errorText(e) })
    this.close('protocol')
  }

  #armTimer(): void {
    this.#clearTimer()
    if (this.#timeoutMs <= 0) return
    this.#timer = setTimeout(() => this.close('command_timeout'), this.#timeoutMs)
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  /** Backpressure: read while waiting for input; while a handler runs, stop above maxPendingBytes. */
  #flow(): void {
    if (this.#stopped || this.#ended) return
    const waiting = !this.#busy || this.#read !== undefined
    const want = waiting || this.queue.length < this.#maxPending
    if (want && this.#paused) {
      this.#paused = false
      this.#stream.resume()
    } else if (!want && !this.#paused) {
      this.#paused = true
      this.#stream.pause()
    }
  }

  #stop(): void {
    this.#stopped = true
    this.#clearTimer()
    this.#detach(this.#stream)
    this.queue.clear()
    const r = this.#read
    this.#read = undefined
    r?.fail(new StreamReadError('closed', 'session closed'))
  }
}
