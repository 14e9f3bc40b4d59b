// The line-oriented session driver for ftp, smtp, pop3, imap, telnet and
// redis inline commands: lines in (binary safe, capped), handled strictly in
// order, one handler at a time; continuation reads for IMAP literals and the
// SMTP DATA body; STARTTLS. Bytes in from an accepted stream, no listeners.
import type { Duplex } from 'node:stream'
import type { Session } from '../../runtime/context.js'
import { Accumulator } from './byte-queue.js'
import { StreamDriver, StreamReadError, type DriverOptions, type Job } from './stream-driver.js'

export { StreamReadError, type ReadErrorCode } from './stream-driver.js'

const CR = 0x0d
const LF = 0x0a
const DOT = 0x2e
const CRLF = Buffer.from('\r\n')
/** Longest terminator readUntil accepts. */
const MAX_TERMINATOR = 64

/**
 * What ends a line. RFC 5321 §2.3.8 and RFC 3501 §2.2 say CRLF; most servers
 * also take a bare LF (`either`, the default). A bare CR never ends a line.
 * `crlf`: a bare LF stays in the line (what the SMTP smuggling checks need).
 * `lf`: LF ends the line and a CR before it stays in the line.
 */
export type LineEnding = 'either' | 'crlf' | 'lf'

export interface Line {
  /** The bytes without the terminator. */
  readonly raw: Buffer
  /** What ended it: a client that sends bare LF shows here. */
  readonly ending: 'crlf' | 'lf'
  /** raw as UTF-8 (invalid sequences become U+FFFD). */
  readonly text: string
}

export interface LineServerOptions extends DriverOptions {
  /** Called once per line, in order; the next line waits until this settles. */
  onLine(line: Line, server: LineServer): void | Promise<void>
  /** Longest line content (terminator excluded), e.g. ctx.limits.maxLineBytes. */
  maxLineBytes: number
  lineEnding?: LineEnding
  /** A line over maxLineBytes: answer the protocol's own error here ("500 Line too long"). */
  onOverflow?(server: LineServer, info: { limit: number }): void | Promise<void>
  /** After onOverflow: close with reason `line_too_long` (default) or drop the rest of the line and go on. */
  closeOnOverflow?: boolean
}

export interface UntilOptions {
  /** Bytes kept; the rest up to the terminator is counted and dropped. */
  maxBytes: number
  /**
   * SMTP DATA (RFC 5321 §4.5.2): a leading "." of a line is removed, the data
   * starts at a line start (so "\r\n.\r\n" also ends it when the body is just
   * ".\r\n"), and the CRLF ending the last line stays in the data (§4.1.1.4).
   */
  dotUnstuff?: boolean
}

export interface UntilResult {
  /** At most maxBytes, terminator excluded. */
  data: Buffer
  /** More than maxBytes came before the terminator. */
  truncated: boolean
  /** How many data bytes came in total (after unstuffing), kept or not. */
  bytes: number
}

function makeLine(raw: Buffer, ending: 'crlf' | 'lf'): Line {
  return {
    raw,
    ending,
    get text() {
      return raw.toString('utf8')
    },
  }
}

const isThenable = (v: unknown): v is PromiseLike<void> =>
  typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function'

export class LineServer extends StreamDriver {
  readonly #onLine: LineServerOptions['onLine']
  readonly #onOverflow: LineServerOptions['onOverflow']
  readonly #maxLine: number
  readonly #ending: LineEnding
  readonly #closeOnOverflow: boolean
  /** After an over-long line: its rest is dropped up to the next terminator. */
  #skipping = false

  constructor(stream: Duplex, session: Session, opts: LineServerOptions) {
    super(stream, session, opts)
    if (!Number.isSafeInteger(opts.maxLineBytes) || opts.maxLineBytes < 1) throw new RangeError('maxLineBytes must be a positive integer')
    this.#onLine = opts.onLine
    this.#onOverflow = opts.onOverflow
    this.#maxLine = opts.maxLineBytes
    this.#ending = opts.lineEnding ?? 'either'
    this.#closeOnOverflow = opts.closeOnOverflow ?? true
  }

  get maxLineBytes(): number {
    return this.#maxLine
  }

  /** Writes `text` and CRLF. */
  writeLine(text: string | Buffer): void {
    this.write(typeof text === 'string' ? `${text}\r\n` : Buffer.concat([text, CRLF]))
  }

  /** The next line, inside a handler (the rest of an IMAP command after a literal). */
  readLine(): Promise<Line> {
    return new Promise((resolve, reject) => {
      this.installRead({
        step: () => {
          const r = this.#scan()
          if (r === undefined) return false
          if (r === 'overflow') reject(new StreamReadError('line_too_long', `line over ${this.#maxLine} bytes`))
          else resolve(r)
          return true
        },
        fail: reject,
      })
    })
  }

  /**
   * Read up to `terminator` (SMTP DATA: "\r\n.\r\n"), keeping at most
   * opts.maxBytes; past that the data is dropped as it arrives (and counted)
   * until the terminator, so the session stays in sync.
   */
  readUntil(terminator: string | Buffer, opts: UntilOptions): Promise<UntilResult> {
    const t = typeof terminator === 'string' ? Buffer.from(terminator, 'latin1') : Buffer.from(terminator)
    if (t.length === 0 || t.length > MAX_TERMINATOR) return Promise.reject(new RangeError(`terminator of ${t.length} bytes`))
    return new Promise((resolve, reject) => {
      const scan = new TerminatorScan(t, opts)
      this.installRead({
        step: () => {
          for (let c = this.queue.front(); c; c = this.queue.front()) {
            const end = scan.feed(c)
            if (end < 0) {
              this.queue.skip(c.length)
              continue
            }
            this.queue.skip(end)
            resolve(scan.result())
            return true
          }
          return false
        },
        fail: reject,
      })
    })
  }

  protected override nextUnit(): Job | undefined {
    const r = this.#scan()
    if (r === undefined) return undefined
    if (r === 'overflow') return this.#overflow
    return () => this.#onLine(r, this)
  }

  protected override onReset(): void {
    this.#skipping = false
  }

  protected override overflowJob(): Job | undefined {
    return this.#overflow
  }

  readonly #overflow: Job = () => {
    const after = () => {
      if (this.#closeOnOverflow) this.close('line_too_long')
    }
    const r = this.#onOverflow?.(this, { limit: this.#maxLine })
    if (isThenable(r)) return Promise.resolve(r).then(after)
    after()
  }

  /**
   * The next complete line, 'overflow', or undefined (need more). Looks at
   * each byte once: the search resumes where it stopped, and never looks
   * further than maxLineBytes + CRLF.
   */
  #scan(): Line | 'overflow' | undefined {
    if (this.#skipping && !this.#skipRest()) return undefined
    const limit = this.#maxLine + 2
    for (;;) {
      const lf = this.queue.findByte(LF, limit)
      if (lf < 0) {
        if (this.queue.length < limit) return undefined
        this.#skipping = true
        return 'overflow'
      }
      const cr = this.queue.byteBeforeFound() === CR
      if (this.#ending === 'crlf' && !cr) {
        this.queue.skipFound() // a bare LF is part of the line
        continue
      }
      const stripCr = cr && this.#ending !== 'lf'
      const len = stripCr ? lf - 1 : lf
      if (len > this.#maxLine) {
        this.#skipping = true
        return 'overflow'
      }
      const raw = this.queue.take(len)
      this.queue.skip(lf + 1 - len)
      return makeLine(raw, stripCr ? 'crlf' : 'lf')
    }
  }

  /** Drops input up to and including the next terminator; false while it has not come. */
  #skipRest(): boolean {
    for (;;) {
      const lf = this.queue.findByte(LF)
      if (lf < 0) {
        // keep the last byte: it may be the CR of a CRLF split across reads
        if (this.queue.length > 1) this.queue.skip(this.queue.length - 1)
        return false
      }
      if (this.#ending === 'crlf' && this.queue.byteBeforeFound() !== CR) {
        this.queue.skipFound()
        continue
      }
      this.queue.skip(lf + 1)
      this.#skipping = false
      return true
    }
  }
}

/**
 * Finds a terminator in a stream with KMP (each byte looked at a bounded
 * number of times; runs without a candidate first byte are copied in bulk),
 * optionally dot-unstuffing, keeping at most maxBytes of what came before it.
 */
class TerminatorScan {
  readonly #t: Buffer
  /** KMP failure function: longest proper prefix of t[0..i] that is also its suffix. */
  readonly #fail: Uint8Array
  readonly #unstuff: boolean
  /** Leading terminator bytes that belong to the data when found (the CRLF of the last line). */
  readonly #keep: number
  /** Bytes of t matched so far (held back: they may be the terminator). */
  #q = 0
  /** Leading held-back bytes that were assumed, not received. */
  #fake = 0
  #lineStart = true
  readonly #acc: Accumulator

  constructor(t: Buffer, opts: UntilOptions) {
    this.#t = t
    this.#acc = new Accumulator(opts.maxBytes)
    this.#unstuff = opts.dotUnstuff === true
    this.#fail = new Uint8Array(t.length)
    for (let i = 1, k = 0; i < t.length; i++) {
      while (k > 0 && t[i] !== t[k]) k = this.#fail[k - 1] as number
      if (t[i] === t[k]) k++
      this.#fail[i] = k
    }
    const crlfLed = t.length > 2 && t[0] === CR && t[1] === LF
    this.#keep = this.#unstuff && crlfLed ? 2 : 0
    if (this.#keep) this.#q = this.#fake = 2 // the data starts right after the command's CRLF
  }

  /** Feeds a chunk: the offset just past the terminator, or -1 when it was not in it. */
  feed(c: Buffer): number {
    const t = this.#t
    const t0 = t[0] as number
    let i = 0
    while (i < c.length) {
      if (this.#q === 0) {
        const j = c.indexOf(t0, i)
        const end = j < 0 ? c.length : j
        if (end > i) this.#out(c.subarray(i, end))
        if (j < 0) return -1
        i = j
      }
      const b = c[i] as number
      while (this.#q > 0 && t[this.#q] !== b) {
        const f = this.#fail[this.#q - 1] as number
        this.#release(this.#q - f)
        this.#q = f
      }
      i++
      if (t[this.#q] === b) {
        if (++this.#q === t.length) {
          const fake = Math.min(this.#fake, this.#keep)
          if (this.#keep > fake) this.#out(t.subarray(fake, this.#keep))
          return i
        }
      } else {
        this.#out(c.subarray(i - 1, i))
      }
    }
    return -1
  }

  result(): UntilResult {
    return { data: this.#acc.toBuffer(), truncated: this.#acc.truncated, bytes: this.#acc.total }
  }

  /** The first k held-back bytes turned out to be data. */
  #release(k: number): void {
    const drop = Math.min(this.#fake, k)
    this.#fake -= drop
    if (k > drop) this.#out(this.#t.subarray(drop, k))
  }

  /** RFC 5321 §4.5.2: a "." that starts a line is removed. */
  #out(s: Buffer): void {
    if (!this.#unstuff) return this.#acc.add(s)
    let i = 0
    while (i < s.length) {
      if (this.#lineStart && s[i] === DOT) {
        i++
        this.#lineStart = false
        continue
      }
      const nl = s.indexOf(LF, i)
      const end = nl < 0 ? s.length : nl + 1
      this.#acc.add(s.subarray(i, end))
      this.#lineStart = nl >= 0
      i = end
    }
  }
}
