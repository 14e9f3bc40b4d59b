// Length-prefixed framing for the binary protocols (rdp, smb, mysql,
// postgres, mssql, mongodb, ldap): a Framing reads a frame's total length from
// its header; FrameReader cuts frames out of a byte stream (bytes in, frames
// out, no sockets), refusing a length over the cap from the header alone,
// before any body byte is kept; FrameServer drives one accepted stream with it.
import type { Duplex } from 'node:stream'
import type { Session } from '../../runtime/context.js'
import { ByteQueue } from './byte-queue.js'
import { StreamDriver, type DriverOptions, type Job } from './stream-driver.js'

export { StreamReadError, type ReadErrorCode } from './stream-driver.js'

/** A frame's total length (header included), an error, or "show me this many header bytes first". */
export type FrameLength = number | { error: string } | { need: number }

export interface Framing {
  /** Names the framing in error text. */
  readonly name: string
  /** Bytes needed before frameLength can be asked. */
  readonly headerBytes: number
  /** From the first headerBytes (or `need`) bytes: the total frame length, header included. */
  frameLength(header: Buffer): FrameLength
}

export type FrameResult = { frame: Buffer } | { error: string }

/** A framing may ask for at most this many header bytes. */
const MAX_HEADER_BYTES = 64

export class FrameReader {
  readonly maxFrameBytes: number
  readonly #queue: ByteQueue
  #framing: Framing
  /** Total length of the frame at the front, once its header was read. */
  #need: number | undefined
  #error: string | undefined

  /** `queue`: share the pending input of a driver (FrameServer); a private one otherwise. */
  constructor(framing: Framing, maxFrameBytes: number, queue: ByteQueue = new ByteQueue()) {
    this.#framing = framing
    this.maxFrameBytes = maxFrameBytes
    this.#queue = queue
  }

  get framing(): Framing {
    return this.#framing
  }

  /** Takes effect from the next frame not yet returned (postgres: startup packet, then typed messages). */
  setFraming(f: Framing): void {
    this.#framing = f
    this.#need = undefined
  }

  /** Bytes received and not yet returned as a frame. */
  get pending(): number {
    return this.#queue.length
  }

  /** After an error the input is dropped: the stream cannot be read any further. */
  push(chunk: Buffer): void {
    if (this.#error === undefined) this.#queue.push(chunk)
  }

  /**
   * The next whole frame (a copy, header included), an error (sticky: the
   * stream cannot be resynchronized), or undefined when more bytes are needed.
   */
  next(): FrameResult | undefined {
    if (this.#error !== undefined) return { error: this.#error }
    if (this.#need === undefined) {
      const f = this.#framing
      let h = f.headerBytes
      for (;;) {
        if (this.#queue.length < h) return undefined
        const r = f.frameLength(this.#queue.peek(h))
        if (typeof r === 'number') {
          if (!Number.isSafeInteger(r) || r < h || r < 1) return this.#fail(`${f.name} length ${r} shorter than its header`)
          if (r > this.maxFrameBytes) return this.#fail(`${f.name} length ${r} over ${this.maxFrameBytes}`)
          this.#need = r
          break
        }
        if ('error' in r) return this.#fail(r.error)
        if (r.need <= h || r.need > MAX_HEADER_BYTES) return this.#fail(`${f.name} header of ${r.need} bytes`)
        h = r.need
      }
    }
    if (this.#queue.length < this.#need) return undefined
    const frame = this.#queue.take(this.#need)
    this.#need = undefined
    return { frame }
  }

  /** Forget the frame in progress (the queue was cleared: upgrade). */
  reset(): void {
    this.#need = undefined
  }

  #fail(error: string): FrameResult {
    this.#error = error
    this.#queue.clear()
    return { error }
  }
}

export interface FrameServerOptions extends DriverOptions {
  framing: Framing
  /** Largest frame, header included, e.g. ctx.limits.maxFrameBytes. */
  maxFrameBytes: number
  /** Called once per frame (header included), in order; the next frame waits until this settles. */
  onFrame(frame: Buffer, server: FrameServer): void | Promise<void>
  /** A bad header or a length over the cap: answer the protocol's error here; the session then closes. */
  onFramingError?(error: string, server: FrameServer): void | Promise<void>
}

/** Drives an accepted stream frame by frame: same order, backpressure, timeout and failure rules as LineServer. */
export class FrameServer extends StreamDriver {
  readonly #reader: FrameReader
  readonly #onFrame: FrameServerOptions['onFrame']
  readonly #onFramingError: FrameServerOptions['onFramingError']

  constructor(stream: Duplex, session: Session, opts: FrameServerOptions) {
    super(stream, session, opts)
    this.#reader = new FrameReader(opts.framing, opts.maxFrameBytes, this.queue)
    this.#onFrame = opts.onFrame
    this.#onFramingError = opts.onFramingError
  }

  get framing(): Framing {
    return this.#reader.framing
  }

  /** From the next frame on; call it from the handler of the frame that switches. */
  setFraming(f: Framing): void {
    this.#reader.setFraming(f)
  }

  protected override nextUnit(): Job | undefined {
    const r = this.#reader.next()
    if (!r) return undefined
    if ('error' in r) return () => this.#framingError(r.error)
    return () => this.#onFrame(r.frame, this)
  }

  protected override onReset(): void {
    this.#reader.reset()
  }

  async #framingError(error: string): Promise<void> {
    await this.#onFramingError?.(error, this)
    this.session.emit('protocol_error', { error })
    this.close('protocol')
  }
}

// ---------------------------------------------------------------- framings

/** RFC 1006 §6 TPKT (RDP, ISO transport over TCP): version 3, reserved, length(2, BE, header included); at least 7 (a TPKT carries a TPDU). */
export const TPKT: Framing = Object.freeze({
  name: 'TPKT',
  headerBytes: 4,
  frameLength(h: Buffer): FrameLength {
    if (h[0] !== 3) return { error: `not TPKT (0x${(h[0] as number).toString(16)})` }
    const len = h.readUInt16BE(2)
    return len < 7 ? { error: `TPKT length ${len}` } : len
  },
})

/**
 * RFC 1002 §4.3.1 NetBIOS session service (SMB on 139): type(1), flags(1:
 * 7 reserved bits, then E, the length's 17th bit), length(2, BE, payload only).
 */
export const NETBIOS_SESSION: Framing = Object.freeze({
  name: 'nbss',
  headerBytes: 4,
  frameLength(h: Buffer): FrameLength {
    const flags = h[1] as number
    if (flags & 0xfe) return { error: `nbss reserved flags 0x${flags.toString(16)}` }
    return 4 + ((flags & 1) << 16) + h.readUInt16BE(2)
  },
})

/**
 * The NBSS header as SMB2 servers read it on 139 and 445: type(1) and a
 * 24-bit length (MS-SMB2 2.1's StreamProtocolLength; Samba's smb_len_large),
 * the type left to the protocol. What the smb emulator has always used.
 */
export const NETBIOS_SESSION_24: Framing = Object.freeze({
  name: 'nbss',
  headerBytes: 4,
  frameLength: (h: Buffer): FrameLength => 4 + h.readUIntBE(1, 3),
})

/** MS-SMB2 2.1 Direct TCP transport (445): Zero(1) = 0, StreamProtocolLength(3, BE, payload only). */
export const SMB2_DIRECT_TCP: Framing = Object.freeze({
  name: 'smb2 direct tcp',
  headerBytes: 4,
  frameLength(h: Buffer): FrameLength {
    if (h[0] !== 0) return { error: `smb2 direct tcp: first byte 0x${(h[0] as number).toString(16)}` }
    return 4 + h.readUIntBE(1, 3)
  },
})

/**
 * MySQL client/server protocol packet: payload_length int<3> (LE), sequence_id
 * int<1>, payload. A length of 0xffffff means the payload continues in the next packet.
 */
export const MYSQL_PACKET: Framing = Object.freeze({
  name: 'mysql',
  headerBytes: 4,
  frameLength: (h: Buffer): FrameLength => 4 + h.readUIntLE(0, 3),
})

/**
 * PostgreSQL protocol 3 (docs: "Message Formats") startup-phase packets
 * (StartupMessage, SSLRequest, GSSENCRequest, CancelRequest): Int32 length
 * including itself, no type byte; at least 8 (length + code).
 */
export const POSTGRES_STARTUP: Framing = Object.freeze({
  name: 'postgres startup',
  headerBytes: 4,
  frameLength(h: Buffer): FrameLength {
    const len = h.readInt32BE(0)
    return len < 8 ? { error: `postgres startup length ${len}` } : len
  },
})

/** PostgreSQL regular message: Byte1 type, Int32 length including itself but not the type (so at least 4). */
export const POSTGRES_MESSAGE: Framing = Object.freeze({
  name: 'postgres',
  headerBytes: 5,
  frameLength(h: Buffer): FrameLength {
    const len = h.readInt32BE(1)
    return len < 4 ? { error: `postgres message length ${len}` } : 1 + len
  },
})

/**
 * MS-TDS 2.2.3.1 packet header (8 bytes): Type(1) Status(1) Length(2, BE,
 * header included) SPID(2) PacketID(1) Window(1).
 */
export const TDS: Framing = Object.freeze({
  name: 'tds',
  headerBytes: 8,
  frameLength(h: Buffer): FrameLength {
    const len = h.readUInt16BE(2)
    return len < 8 ? { error: `tds length ${len}` } : len
  },
})

/**
 * MongoDB wire protocol MsgHeader: messageLength Int32 (LE, including itself),
 * requestID, responseTo, opCode: at least the 16-byte header.
 */
export const MONGODB: Framing = Object.freeze({
  name: 'mongodb',
  headerBytes: 4,
  frameLength(h: Buffer): FrameLength {
    const len = h.readInt32LE(0)
    return len < 16 ? { error: `mongodb messageLength ${len}` } : len
  },
})

/**
 * One BER TLV (X.690 §8.1; LDAP over TCP, RFC 4511 §5.1: one LDAPMessage per
 * TLV): a low-tag-number identifier octet, then a definite length: short form
 * (< 0x80) or long form 0x81–0x84 with 1–4 length octets (Active Directory
 * clients always send 0x84). Indefinite length (0x80) is refused (RFC 4511 §5.1),
 * as are high tag numbers and longer length forms.
 */
export const BER_TLV: Framing = Object.freeze({
  name: 'ber',
  headerBytes: 2,
  frameLength(h: Buffer): FrameLength {
    if (((h[0] as number) & 0x1f) === 0x1f) return { error: 'ber high tag number form' }
    const l0 = h[1] as number
    if (l0 < 0x80) return 2 + l0
    if (l0 === 0x80) return { error: 'ber indefinite length' }
    const n = l0 & 0x7f
    if (n > 4) return { error: `ber length of ${n} octets` }
    if (h.length < 2 + n) return { need: 2 + n }
    return 2 + n + h.readUIntBE(2, n)
  },
})
