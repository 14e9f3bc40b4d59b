// SSH identification string and first binary packet (RFC 4253 §4.2, §6, §7.1)
// read incrementally from a reassembled byte stream. Yields the version line
// and the KEXINIT name-lists that HASSH / HASSHServer hash
// (parseKexInit in src/fingerprints/hassh.ts).
import { parseKexInit, type KexInit } from '../../fingerprints/hassh.js'
import { printable } from '../reader.js'

/** RFC 4253 §4.2: the identification line is at most 255 bytes including CR LF. */
export const MAX_IDENT_BYTES = 255
/** Lines a server may send before its identification (RFC 4253 §4.2); we stop after this many. */
export const MAX_PRE_IDENT_LINES = 32
/** Largest first binary packet we wait for (OpenSSH KEXINIT ≈ 1.5 KB; RFC 4253 §6.1 asks for 35000). */
export const MAX_KEXINIT_PACKET = 35000

export type SshProgress =
  | { state: 'more'; ident?: string }
  | { state: 'fail'; reason: string; ident?: string }
  | { state: 'done'; ident: string; kex: KexInit }

export class SshReader {
  #scan = 0
  #lineStart = 0
  #lines = 0
  #ident: string | undefined
  #packetOff = -1
  #result: SshProgress = { state: 'more' }

  get ident(): string | undefined {
    return this.#ident
  }

  get result(): SshProgress {
    return this.#result
  }

  feed(stream: Buffer): SshProgress {
    if (this.#result.state !== 'more') return this.#result
    while (this.#packetOff < 0) {
      const nl = stream.indexOf(0x0a, this.#scan)
      if (nl < 0) {
        this.#scan = stream.length
        if (stream.length - this.#lineStart > MAX_IDENT_BYTES * 4) return this.#fail('no line end')
        return this.#result
      }
      const line = stream.subarray(this.#lineStart, nl)
      this.#scan = nl + 1
      this.#lineStart = nl + 1
      if (line.length >= 4 && line.toString('latin1', 0, 4) === 'SSH-') {
        if (line.length + 1 > MAX_IDENT_BYTES) return this.#fail('identification string too long')
        const end = line[line.length - 1] === 0x0d ? line.length - 1 : line.length
        this.#ident = printable(line.subarray(0, end), MAX_IDENT_BYTES)
        this.#packetOff = nl + 1
        this.#result = { state: 'more', ident: this.#ident }
        // SSH-1.x peers (other than 1.99) do not speak the RFC 4253 binary protocol.
        if (/^SSH-1\.(?!99)/.test(this.#ident)) return this.#fail('SSH protocol 1')
        break
      }
      if (++this.#lines > MAX_PRE_IDENT_LINES) return this.#fail('too many lines before the identification')
    }
    // uint32 packet_length, byte padding_length, byte[n1] payload, byte[n2] padding (no MAC yet)
    const off = this.#packetOff
    if (stream.length < off + 5) return this.#result
    const plen = stream.readUInt32BE(off)
    if (plen < 5 || plen > MAX_KEXINIT_PACKET) return this.#fail(`packet length ${plen}`)
    if (stream.length < off + 4 + plen) return this.#result
    const pad = stream[off + 4]!
    if (pad + 1 > plen) return this.#fail('padding longer than the packet')
    const payload = stream.subarray(off + 5, off + 4 + plen - pad)
    const kex = parseKexInit(payload)
    if (!kex) return this.#fail('malformed KEXINIT')
    this.#result = { state: 'done', ident: this.#ident!, kex }
    return this.#result
  }

  #fail(reason: string): SshProgress {
    this.#result = this.#ident === undefined ? { state: 'fail', reason } : { state: 'fail', reason, ident: this.#ident }
    return this.#result
  }
}
