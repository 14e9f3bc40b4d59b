// Pulls the first handshake message out of a reassembled TLS byte stream:
// records (RFC 8446 §5.1) are unwrapped in order and the message (RFC 8446 §4:
// type u8, length u24, body) is returned once complete — whether it spans
// several records, several segments, or both. Incremental: each feed() looks
// only at bytes it has not consumed yet; record bodies are remembered as ranges
// of the stream (which keeps every byte from offset 0), so a message inside one
// record is returned without a copy.

/** RFC 8446 §5.1: 2^14 plaintext; allow the 2^14 + 2048 TLS 1.2 ciphertext bound. */
export const MAX_RECORD_BYTES = 16384 + 2048
/** Largest handshake message we wait for (ClientHellos with PQ key shares are ~2 KB). */
export const MAX_HANDSHAKE_BYTES = 60 * 1024
const CONTENT_HANDSHAKE = 22

export type ReaderResult =
  | { state: 'more' }
  | { state: 'fail'; reason: string }
  | { state: 'done'; type: number; body: Buffer }

const MORE: ReaderResult = Object.freeze({ state: 'more' })

export class HandshakeReader {
  #recOff = 0
  /** [start, end) of each handshake record body in the stream. */
  #ranges: number[] = []
  #hsLen = 0
  #result: ReaderResult = MORE

  get result(): ReaderResult {
    return this.#result
  }

  /** `stream` is every contiguous byte of this direction so far. */
  feed(stream: Buffer): ReaderResult {
    if (this.#result.state !== 'more') return this.#result
    while (this.#recOff + 5 <= stream.length) {
      const type = stream[this.#recOff]!
      const len = (stream[this.#recOff + 3]! << 8) | stream[this.#recOff + 4]!
      if (stream[this.#recOff + 1] !== 3) return this.#fail('not a TLS record')
      if (type !== CONTENT_HANDSHAKE) return this.#fail(`record type ${type} before the handshake message`)
      if (len === 0 || len > MAX_RECORD_BYTES) return this.#fail(`record length ${len}`)
      const end = this.#recOff + 5 + len
      if (end > stream.length) break
      this.#ranges.push(this.#recOff + 5, end)
      this.#hsLen += len
      this.#recOff = end
      const r = this.#message(stream)
      if (r) return r
    }
    return this.#result
  }

  /** Byte i of the handshake layer. */
  #at(stream: Buffer, i: number): number {
    const r = this.#ranges
    for (let k = 0; k < r.length; k += 2) {
      const n = r[k + 1]! - r[k]!
      if (i < n) return stream[r[k]! + i]!
      i -= n
    }
    return 0
  }

  #message(stream: Buffer): ReaderResult | undefined {
    if (this.#hsLen < 4) return undefined
    const msgLen = (this.#at(stream, 1) << 16) | (this.#at(stream, 2) << 8) | this.#at(stream, 3)
    if (msgLen > MAX_HANDSHAKE_BYTES) return this.#fail(`handshake message of ${msgLen} bytes`)
    if (4 + msgLen > this.#hsLen) return undefined
    const r = this.#ranges
    let hs: Buffer
    if (r[1]! - r[0]! >= 4 + msgLen) hs = stream.subarray(r[0]!, r[0]! + 4 + msgLen)
    else {
      const parts: Buffer[] = []
      for (let k = 0; k < r.length; k += 2) parts.push(stream.subarray(r[k]!, r[k + 1]!))
      hs = Buffer.concat(parts).subarray(0, 4 + msgLen)
    }
    this.#result = { state: 'done', type: hs[0]!, body: hs.subarray(4) }
    this.#ranges = []
    return this.#result
  }

  #fail(reason: string): ReaderResult {
    this.#result = { state: 'fail', reason }
    this.#ranges = []
    return this.#result
  }
}
