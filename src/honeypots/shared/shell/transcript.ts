// Session transcripts in upstream's sessrec shape:
// one JSONL shard per UTC day shared by all sessions, a header line per
// session, then `i` (client bytes, passwords typed at prompts included), `o`
// (terminal output) and `r` (resize) lines, a `trunc` sentinel at the cap.
// [fix] chunks that are not valid UTF-8 are written as `b64` instead of `d`.
// The cap counts every byte written to the shard (header, i/o/r lines, JSON
// overhead): a client that floods window-change requests fills it like one
// that floods output, and the session goes on unrecorded after the sentinel.
// An optional `reserve` hook charges the bytes, in blocks, to a quota (the
// decky's artifact quota); when it refuses, the transcript stops the same way.
import { appendFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'

export const TRANSCRIPT_LIMITS = Object.freeze({
  /** Bytes written per session (every line counted) before the sentinel. */
  maxSessionBytes: 10 * 1024 * 1024,
  /** Bytes asked of the quota at a time. */
  reserveBlock: 64 * 1024,
  /** Raw bytes per line, so each line stays < 4096 bytes. */
  chunkBytes: 975,
})

const utf8 = new TextDecoder('utf-8', { fatal: true })

export interface TranscriptHeader {
  width: number
  height: number
  term: string
}

export interface TranscriptOptions {
  /** Cap in bytes (default TRANSCRIPT_LIMITS.maxSessionBytes). */
  maxBytes?: number
  /** Charges n more bytes to a quota; false stops the transcript. */
  reserve?: (n: number) => Promise<boolean>
}

export class Transcript {
  readonly file: string
  readonly #started = process.hrtime.bigint()
  readonly #max: number
  readonly #reserve: ((n: number) => Promise<boolean>) | undefined
  /** Bytes of the lines accepted so far (what reaches the shard). */
  #bytes = 0
  /** Bytes the quota granted so far. */
  #granted = 0
  #truncated = false
  #queue: Promise<void>
  #failed = false
  #pending: string[] = []
  readonly #sentinel: string

  constructor(
    readonly dir: string,
    readonly sid: string,
    hdr: TranscriptHeader,
    now = new Date(),
    opts: TranscriptOptions = {},
  ) {
    this.#max = opts.maxBytes ?? TRANSCRIPT_LIMITS.maxSessionBytes
    this.#reserve = opts.reserve
    this.#sentinel = JSON.stringify({ sid, trunc: true }) + '\n'
    this.file = join(dir, `sessions-${now.toISOString().slice(0, 10)}.jsonl`)
    const header = {
      sid,
      hdr: { version: 2, width: hdr.width, height: hdr.height, timestamp: Math.floor(now.getTime() / 1000), env: { SHELL: '/bin/bash', TERM: hdr.term.slice(0, 63) || 'xterm-256color' } },
    }
    this.#queue = mkdir(dir, { recursive: true, mode: 0o750 }).then(() => undefined)
    this.#line(header)
  }

  get bytes(): number {
    return this.#bytes
  }

  get truncated(): boolean {
    return this.#truncated
  }

  #t(): number {
    return Number(process.hrtime.bigint() - this.#started) / 1e9
  }

  /** Queues one line if it fits under the cap (room is kept for the sentinel); false once the cap is hit. */
  #line(obj: object): boolean {
    if (this.#truncated || this.#failed) return false
    const text = JSON.stringify(obj) + '\n'
    const n = Buffer.byteLength(text)
    if (this.#bytes + n + Buffer.byteLength(this.#sentinel) > this.#max) {
      this.#stop()
      return false
    }
    this.#bytes += n
    this.#push(text)
    return true
  }

  /** Writes the sentinel once; nothing is recorded after it. */
  #stop(): void {
    if (this.#truncated) return
    this.#truncated = true
    this.#bytes += Buffer.byteLength(this.#sentinel)
    this.#push(this.#sentinel)
  }

  #push(text: string): void {
    if (this.#failed) return
    // lines written meanwhile go out together in the next append
    const first = this.#pending.length === 0
    this.#pending.push(text)
    if (!first) return
    this.#queue = this.#queue
      .then(async () => {
        // the quota is asked before the bytes reach the disk
        if (this.#reserve && this.#granted < this.#bytes && !(await this.#grant())) {
          this.#pending = [this.#sentinel]
          this.#truncated = true
        }
        const text = this.#pending.join('')
        this.#pending = []
        return appendFile(this.file, text, { mode: 0o640 })
      })
      .catch(() => {
        this.#failed = true
      })
  }

  async #grant(): Promise<boolean> {
    const want = Math.max(TRANSCRIPT_LIMITS.reserveBlock, this.#bytes - this.#granted)
    if (!(await (this.#reserve as (n: number) => Promise<boolean>)(want))) return false
    this.#granted += want
    return true
  }

  #data(ch: 'i' | 'o', data: Buffer): void {
    if (this.#truncated || data.length === 0) return
    const t = Number(this.#t().toFixed(6))
    for (let off = 0; off < data.length; off += TRANSCRIPT_LIMITS.chunkBytes) {
      const chunk = data.subarray(off, off + TRANSCRIPT_LIMITS.chunkBytes)
      let d: string | undefined
      try {
        d = utf8.decode(chunk)
      } catch {
        d = undefined
      }
      if (!this.#line(d === undefined ? { sid: this.sid, t, ch, b64: chunk.toString('base64') } : { sid: this.sid, t, ch, d })) return
    }
  }

  input(data: Buffer): void {
    this.#data('i', data)
  }

  output(text: string | Buffer): void {
    this.#data('o', typeof text === 'string' ? Buffer.from(text, 'utf8') : text)
  }

  resize(cols: number, rows: number): void {
    this.#line({ sid: this.sid, t: Number(this.#t().toFixed(6)), ch: 'r', d: `${cols}x${rows}` })
  }

  /** Resolves when every line is on disk. */
  flush(): Promise<void> {
    return this.#queue
  }
}
