// NetBIOS session service framing (RFC 1002 §4.3; MS-SMB2 2.1 direct TCP):
//   type(1) length(3, big-endian) payload(length)
// Reading is the shared FrameReader with NETBIOS_SESSION_24; this adapter
// gives {type, payload} frames. No sockets here.
import { FrameReader, NETBIOS_SESSION_24 } from '../shared/frame-reader.js'
import { MAX_PDU } from './constants.js'

export interface NbssFrame {
  type: number
  payload: Buffer
}

export type FeedResult = { frames: NbssFrame[]; error?: string }

export class NbssFramer {
  readonly #reader: FrameReader
  constructor(readonly maxPdu: number = MAX_PDU) {
    this.#reader = new FrameReader(NETBIOS_SESSION_24, maxPdu + 4)
  }

  /** Append bytes; returns complete frames, or an error once a header is impossible. */
  push(data: Buffer): FeedResult {
    this.#reader.push(data)
    const frames: NbssFrame[] = []
    for (let r = this.#reader.next(); r; r = this.#reader.next()) {
      if ('error' in r) return { frames, error: r.error }
      frames.push({ type: r.frame[0] as number, payload: r.frame.subarray(4) })
    }
    return { frames }
  }

  get pending(): number {
    return this.#reader.pending
  }
}

export function nbssFrame(payload: Buffer, type = 0): Buffer {
  const h = Buffer.alloc(4)
  h[0] = type
  h.writeUIntBE(payload.length, 1, 3)
  return Buffer.concat([h, payload])
}
