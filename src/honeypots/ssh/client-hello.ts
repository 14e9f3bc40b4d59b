// Reads the client's identification line and first KEXINIT from the raw bytes
// (a tap beside ssh2, which does not expose the peer's KEXINIT), for the
// client_version event and HASSH (src/fingerprints/hassh.ts, the same code the
// sniffer uses).
import { parseKexInit, type KexInit } from '../../fingerprints/hassh.js'

export const HELLO_LIMITS = Object.freeze({
  /** RFC 4253 §4.2: the identification line is at most 255 bytes with CR LF. */
  maxIdentBytes: 255,
  /** RFC 4253 §6.1: implementations must handle packets of 35000 bytes. */
  maxPacketBytes: 35_000,
  /** Bytes kept in total before giving up. */
  maxTapBytes: 36_000,
  /** Longest name-list kept in events. */
  maxNameList: 2048,
})

export interface ClientHello {
  /** Identification line without CR LF. */
  ident: string
  kexinit?: KexInit
}

export interface HelloResult {
  /** 'more': need bytes; 'done': ident and KEXINIT read; 'error': not SSH, stop tapping. */
  state: 'more' | 'done' | 'error'
  hello?: ClientHello
  error?: string
}

/** Parses what the client sent so far: ident line, then the first binary packet. */
export function parseClientHello(buf: Buffer): HelloResult {
  const nl = buf.indexOf(0x0a)
  if (nl < 0) {
    if (buf.length > HELLO_LIMITS.maxIdentBytes) return { state: 'error', error: 'identification line too long' }
    return { state: 'more' }
  }
  if (nl + 1 > HELLO_LIMITS.maxIdentBytes) return { state: 'error', error: 'identification line too long' }
  const ident = buf.toString('latin1', 0, nl).replace(/\r$/, '')
  if (!ident.startsWith('SSH-')) return { state: 'error', error: 'not an SSH identification', hello: { ident } }
  const rest = buf.subarray(nl + 1)
  if (rest.length < 5) return { state: 'more', hello: { ident } }
  const packetLen = rest.readUInt32BE(0)
  if (packetLen < 5 || packetLen > HELLO_LIMITS.maxPacketBytes) return { state: 'error', error: 'bad packet length', hello: { ident } }
  if (rest.length < 4 + packetLen) return { state: 'more', hello: { ident } }
  const padLen = rest[4] as number
  if (padLen + 1 > packetLen) return { state: 'error', error: 'bad padding length', hello: { ident } }
  const payload = rest.subarray(5, 4 + packetLen - padLen)
  const kexinit = parseKexInit(payload)
  if (!kexinit) return { state: 'error', error: 'first packet is not a KEXINIT', hello: { ident } }
  return { state: 'done', hello: { ident, kexinit } }
}

/** Accumulates socket bytes (bounded) until parseClientHello is done or fails. */
export class HelloTap {
  #buf = Buffer.alloc(0)
  #finished = false
  result: HelloResult = { state: 'more' }

  get finished(): boolean {
    return this.#finished
  }

  feed(chunk: Buffer): HelloResult {
    if (this.#finished) return this.result
    const room = HELLO_LIMITS.maxTapBytes - this.#buf.length
    this.#buf = Buffer.concat([this.#buf, chunk.subarray(0, Math.max(0, room))])
    this.result = parseClientHello(this.#buf)
    if (this.result.state === 'more' && this.#buf.length >= HELLO_LIMITS.maxTapBytes) this.result = { ...this.result, state: 'error', error: 'no KEXINIT' }
    if (this.result.state !== 'more') {
      this.#finished = true
      this.#buf = Buffer.alloc(0)
    }
    return this.result
  }
}
