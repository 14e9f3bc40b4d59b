// NetBIOS session service framing (RFC 1002 §4.3; MS-SMB2 2.1 direct TCP):
//   type(1) length(3, big-endian) payload(length)
// Bytes in, frames out; no sockets here.
import { MAX_PDU } from './constants.js'

export interface NbssFrame {
  type: number
  payload: Buffer
}

export type FeedResult = { frames: NbssFrame[]; error?: string }

export class NbssFramer {
  #buf: Buffer = Buffer.alloc(0)
  constructor(readonly maxPdu: number = MAX_PDU) {}

  /** Append bytes; returns complete frames, or an error once a header is impossible. */
  push(data: Buffer): FeedResult {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, data]) : data
    const frames: NbssFrame[] = []
    while (this.#buf.length >= 4) {
      const type = this.#buf[0] as number
      const len = this.#buf.readUIntBE(1, 3)
      if (len > this.maxPdu) return { frames, error: `nbss length ${len} over ${this.maxPdu}` }
      if (this.#buf.length < 4 + len) break
      frames.push({ type, payload: Buffer.from(this.#buf.subarray(4, 4 + len)) })
      this.#buf = this.#buf.subarray(4 + len)
    }
    return { frames }
  }

  get pending(): number {
    return this.#buf.length
  }
}

export function nbssFrame(payload: Buffer, type = 0): Buffer {
  const h = Buffer.alloc(4)
  h[0] = type
  h.writeUIntBE(payload.length, 1, 3)
  return Buffer.concat([h, payload])
}
