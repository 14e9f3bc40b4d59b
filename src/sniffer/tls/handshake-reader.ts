// Pulls the first handshake message out of a reassembled TLS byte stream:
// records (RFC 8446 §5.1) are unwrapped in order, their bodies concatenated,
// and the message (RFC 8446 §4: type u8, length u24, body) is returned once
// complete — whether it spans several records, several segments, or both.
// Incremental: each feed() looks only at bytes it has not consumed yet.

const CONTENT_HANDSHAKE = 22
/** RFC 8446 §5.1: 2^14 plaintext; allow the 2^14 + 2048 TLS 1.2 ciphertext bound. */
export const MAX_RECORD_BYTES = 16384 + 2048
/** Largest handshake message we wait for (ClientHellos with PQ key shares are ~2 KB). */
export const MAX_HANDSHAKE_BYTES = 60 * 1024

export type ReaderResult =
  | { state: 'more' }
  | { state: 'fail'; reason: string }
  | { state: 'done'; type: number; body: Buffer; recordVersion: number }

const MORE: ReaderResult = Object.freeze({ state: 'more' })

export class HandshakeReader {
  #recOff = 0
  #parts: Buffer[] = []
  #hsLen = 0
  #recordVersion = -1
  #result: ReaderResult = MORE

  get result(): ReaderResult {
    return this.#result
  }

  /** `stream` is every contiguous byte of this direction so far. */
  feed(stream: Buffer): ReaderResult {
    if (this.#result.state !== 'more') return this.#result
    while (this.#recOff + 5 <= stream.length) {
      const type = stream[this.#recOff]!
      const major = stream[this.#recOff + 1]!
      const len = (stream[this.#recOff + 3]! << 8) | stream[this.#recOff + 4]!
      if (major !== 3) return this.#fail('not a TLS record')
      if (len === 0 || len > MAX_RECORD_BYTES) return this.#fail(`record length ${len}`)
      if (type !== CONTENT_HANDSHAKE) return this.#fail(`record type ${type} before the handshake message`)
      const end = this.#recOff + 5 + len
      if (end > stream.length) break
      if (this.#recordVersion < 0) this.#recordVersion = (major << 8) | stream[this.#recOff + 2]!
      this.#parts.push(Buffer.from(stream.subarray(this.#recOff + 5, end)))
      this.#hsLen += len
      this.#recOff = end
      const r = this.#message()
      if (r) return r
    }
    return this.#result
  }

  #message(): ReaderResult | undefined {
    if (this.#hsLen < 4) return undefined
    if (this.#parts.length > 1) this.#parts = [Buffer.concat(this.#parts)]
    const hs = this.#parts[0]!
    const msgLen = (hs[1]! << 16) | (hs[2]! << 8) | hs[3]!
    if (msgLen > MAX_HANDSHAKE_BYTES) return this.#fail(`handshake message of ${msgLen} bytes`)
    if (4 + msgLen > this.#hsLen) return undefined
    this.#result = { state: 'done', type: hs[0]!, body: hs.subarray(4, 4 + msgLen), recordVersion: this.#recordVersion }
    this.#parts = []
    return this.#result
  }

  #fail(reason: string): ReaderResult {
    this.#result = { state: 'fail', reason }
    this.#parts = []
    return this.#result
  }
}
