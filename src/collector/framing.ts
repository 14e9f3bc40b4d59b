// Syslog over a stream (RFC 6587; RFC 5425 for TLS), without sockets.
//
// Each frame is detected on its own first byte:
//   octet counting      MSG-LEN SP SYSLOG-MSG      MSG-LEN = NONZERO-DIGIT *DIGIT   (RFC 6587 §3.4.1)
//   non-transparent     SYSLOG-MSG LF              (CR before LF dropped)           (RFC 6587 §3.4.2)
// A syslog message starts with "<", so a leading digit means octet counting.
// Stray CR/LF/NUL between frames are skipped. A frame longer than the limit
// is an error: the caller closes that connection.

const MAX_LEN_DIGITS = 10
/** An idle connection keeps at most this much buffer capacity. */
const RETAIN_BYTES = 64 * 1024
const SP = 0x20
const LF = 0x0a
const CR = 0x0d

export type FrameResult = { frames: Buffer[]; error?: undefined } | { frames: Buffer[]; error: string }

export class StreamFramer {
  // Bytes [#start, #end) of #buf are pending. The buffer grows by doubling and is
  // compacted in place, and #lfFrom remembers how far a line was already searched,
  // so a message trickling in byte by byte costs linear time, not quadratic.
  #buf: Buffer = Buffer.alloc(0)
  #start = 0
  #end = 0
  #lfFrom = 0

  constructor(readonly maxFrameBytes: number) {}

  /** Bytes buffered that do not yet make a frame. */
  get pending(): number {
    return this.#end - this.#start
  }

  #append(chunk: Buffer): void {
    const need = this.#end - this.#start + chunk.length
    if (this.#end + chunk.length > this.#buf.length) {
      if (need > this.#buf.length / 2 || this.#buf.length === 0) {
        const grown = Buffer.allocUnsafe(Math.max(4096, need * 2))
        this.#buf.copy(grown, 0, this.#start, this.#end)
        this.#buf = grown
      } else this.#buf.copy(this.#buf, 0, this.#start, this.#end)
      this.#lfFrom -= this.#start
      this.#end -= this.#start
      this.#start = 0
    }
    chunk.copy(this.#buf, this.#end)
    this.#end += chunk.length
  }

  /** Frames are copies: they stay valid after the next push. */
  push(chunk: Buffer): FrameResult {
    this.#append(chunk)
    const frames: Buffer[] = []
    const b = this.#buf
    const end = this.#end
    let at = this.#start
    for (;;) {
      while (at < end && (b[at] === LF || b[at] === CR || b[at] === 0)) at++
      if (at >= end) break
      const first = b[at]!
      if (first >= 0x31 && first <= 0x39) {
        // octet counting, unless the digits are not followed by SP
        let j = at
        while (j < end && j - at <= MAX_LEN_DIGITS && b[j]! >= 0x30 && b[j]! <= 0x39) j++
        if (j >= end && j - at <= MAX_LEN_DIGITS) break // need more bytes for the length
        if (b[j] === SP) {
          const len = Number(b.toString('latin1', at, j))
          if (len > this.maxFrameBytes) return this.#fail(frames, `frame of ${len} bytes exceeds ${this.maxFrameBytes}`)
          if (j + 1 + len > end) break // need the rest of the message
          frames.push(Buffer.from(b.subarray(j + 1, j + 1 + len)))
          at = j + 1 + len
          continue
        }
      }
      const lf = b.subarray(0, end).indexOf(LF, Math.max(at, this.#lfFrom))
      if (lf < 0) {
        if (end - at > this.maxFrameBytes) return this.#fail(frames, `line longer than ${this.maxFrameBytes} bytes`)
        this.#lfFrom = end
        break
      }
      if (lf - at > this.maxFrameBytes) return this.#fail(frames, `line longer than ${this.maxFrameBytes} bytes`)
      frames.push(Buffer.from(b.subarray(at, b[lf - 1] === CR && lf - 1 >= at ? lf - 1 : lf)))
      at = lf + 1
    }
    this.#start = at
    if (this.#lfFrom < at) this.#lfFrom = at
    if (at >= end) {
      this.#start = this.#end = this.#lfFrom = 0
      if (this.#buf.length > RETAIN_BYTES) this.#buf = Buffer.alloc(0)
    }
    return { frames }
  }

  /** At end of stream: a last LF-less line, if any (an incomplete octet-counted frame is dropped). */
  end(): Buffer | undefined {
    const b = Buffer.from(this.#buf.subarray(this.#start, this.#end))
    this.#start = this.#end = this.#lfFrom = 0
    if (b.length === 0 || /^[1-9]\d* /.test(b.toString('latin1', 0, Math.min(b.length, MAX_LEN_DIGITS + 2)))) return undefined
    return b[b.length - 1] === CR ? b.subarray(0, -1) : b
  }

  #fail(frames: Buffer[], error: string): FrameResult {
    this.#start = this.#end = this.#lfFrom = 0
    return { frames, error }
  }
}
