// Session transcripts in upstream's sessrec shape:
// one JSONL shard per UTC day shared by all sessions, a header line per
// session, then `i` (client bytes, passwords typed at prompts included), `o`
// (terminal output) and `r` (resize) lines, a `trunc` sentinel at the cap.
// [fix] chunks that are not valid UTF-8 are written as `b64` instead of `d`.
import { appendFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'

export const TRANSCRIPT_LIMITS = Object.freeze({
  /** Raw bytes recorded per session before the sentinel. */
  maxSessionBytes: 10 * 1024 * 1024,
  /** Raw bytes per line, so each line stays < 4096 bytes. */
  chunkBytes: 975,
})

const utf8 = new TextDecoder('utf-8', { fatal: true })

export interface TranscriptHeader {
  width: number
  height: number
  term: string
}

export class Transcript {
  readonly file: string
  readonly #started = process.hrtime.bigint()
  #bytes = 0
  #truncated = false
  #queue: Promise<void>
  #failed = false
  #pending: string[] = []

  constructor(
    readonly dir: string,
    readonly sid: string,
    hdr: TranscriptHeader,
    now = new Date(),
  ) {
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

  #line(obj: object): void {
    if (this.#failed) return
    // lines written meanwhile go out together in the next append
    const first = this.#pending.length === 0
    this.#pending.push(JSON.stringify(obj) + '\n')
    if (!first) return
    this.#queue = this.#queue
      .then(() => {
        const text = this.#pending.join('')
        this.#pending = []
        return appendFile(this.file, text, { mode: 0o640 })
      })
      .catch(() => {
        this.#failed = true
      })
  }

  #data(ch: 'i' | 'o', data: Buffer): void {
    if (this.#truncated || data.length === 0) return
    let rest = data
    if (this.#bytes + rest.length > TRANSCRIPT_LIMITS.maxSessionBytes) rest = rest.subarray(0, TRANSCRIPT_LIMITS.maxSessionBytes - this.#bytes)
    const t = Number(this.#t().toFixed(6))
    for (let off = 0; off < rest.length; off += TRANSCRIPT_LIMITS.chunkBytes) {
      const chunk = rest.subarray(off, off + TRANSCRIPT_LIMITS.chunkBytes)
      let d: string | undefined
      try {
        d = utf8.decode(chunk)
      } catch {
        d = undefined
      }
      this.#line(d === undefined ? { sid: this.sid, t, ch, b64: chunk.toString('base64') } : { sid: this.sid, t, ch, d })
    }
    this.#bytes += rest.length
    if (rest.length < data.length || this.#bytes >= TRANSCRIPT_LIMITS.maxSessionBytes) {
      this.#truncated = true
      this.#line({ sid: this.sid, trunc: true })
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
