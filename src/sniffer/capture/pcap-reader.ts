// Streaming reader for pcap (both byte orders, µs and ns magic) and pcapng
// (SHB/IDB/EPB/SPB/OPB, per-interface link type, if_tsresol, if_tsoffset).
// Bytes go in through push() in chunks of any size (a file read stream or the
// stdout of `tcpdump -w -`); every complete record becomes one RawPacket.
// A malformed file header or block raises PcapFormatError once; packet bytes
// themselves are never interpreted here.
import { UserError } from '../../errors.js'
import { PacketView, type PacketHandler } from './packet.js'

/** Largest pcapng block or pcap record we accept (a jumbo frame is < 64 KiB; be generous). */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024
/** pcapng interfaces per section. */
export const MAX_INTERFACES = 1024

const PCAP_MAGIC_US = 0xa1b2c3d4
const PCAP_MAGIC_NS = 0xa1b23c4d
const PCAPNG_SHB = 0x0a0d0d0a
const PCAPNG_BOM = 0x1a2b3c4d
const BLOCK_IDB = 0x00000001
const BLOCK_OPB = 0x00000002
const BLOCK_SPB = 0x00000003
const BLOCK_EPB = 0x00000006
const OPT_END = 0
const OPT_IF_TSRESOL = 9
const OPT_IF_TSOFFSET = 14
const TWO_32 = 4294967296

export class PcapFormatError extends UserError {
  constructor(message: string) {
    super('PCAP_INVALID', message)
  }
}

interface Interface {
  linkType: number
  /** Timestamp units per second, as a bigint when it is not 10^6. */
  unitsPerSec: bigint
  micro: boolean
  offsetUs: number
}

type Format = 'unknown' | 'pcap' | 'pcapng'

export class PcapStreamReader {
  #buf: Buffer = Buffer.alloc(0)
  #format: Format = 'unknown'
  #le = true
  // pcap
  #nanos = false
  #linkType = 0
  // pcapng
  #ifaces: Interface[] = []
  #packets = 0
  readonly #onPacket: PacketHandler
  readonly #pkt = new PacketView()

  constructor(onPacket: PacketHandler) {
    this.#onPacket = onPacket
  }

  get packets(): number {
    return this.#packets
  }

  get format(): Format {
    return this.#format
  }

  /** Feeds bytes; delivers every record completed by them. */
  push(chunk: Buffer): void {
    const buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk])
    let off = 0
    if (this.#format === 'unknown') {
      if (buf.length < 12) {
        this.#buf = buf
        return
      }
      off = this.#detect(buf)
      if (off < 0) {
        this.#buf = buf
        return
      }
    }
    off = this.#format === 'pcap' ? this.#pcapRecords(buf, off) : this.#pcapngBlocks(buf, off)
    this.#buf = off >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(off))
  }

  /** Call at end of input: a partial trailing record is reported, a missing header is an error. */
  end(): { truncatedBytes: number } {
    if (this.#format === 'unknown') {
      throw new PcapFormatError(this.#buf.length === 0 ? 'empty capture file' : 'not a pcap or pcapng file')
    }
    return { truncatedBytes: this.#buf.length }
  }

  #detect(buf: Buffer): number {
    const be = buf.readUInt32BE(0)
    const le = buf.readUInt32LE(0)
    if (be === PCAPNG_SHB) {
      this.#format = 'pcapng'
      return 0
    }
    if (be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS || le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS) {
      if (buf.length < 24) return -1
      this.#le = le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS
      this.#nanos = (this.#le ? le : be) === PCAP_MAGIC_NS
      const network = this.#le ? buf.readUInt32LE(20) : buf.readUInt32BE(20)
      // Upper bits may carry FCS information (pcap spec, LinkType and additional information).
      this.#linkType = network & 0x0fffffff
      this.#format = 'pcap'
      return 24
    }
    throw new PcapFormatError(`not a pcap or pcapng file (magic 0x${be.toString(16).padStart(8, '0')})`)
  }

  // pcap record: ts_sec u32, ts_frac u32, incl_len u32, orig_len u32, data[incl_len]
  #pcapRecords(buf: Buffer, off: number): number {
    const le = this.#le
    const pkt = this.#pkt
    pkt.linkType = this.#linkType
    const fracDiv = this.#nanos ? 1000 : 1
    while (off + 16 <= buf.length) {
      const sec = le ? buf.readUInt32LE(off) : buf.readUInt32BE(off)
      const frac = le ? buf.readUInt32LE(off + 4) : buf.readUInt32BE(off + 4)
      const incl = le ? buf.readUInt32LE(off + 8) : buf.readUInt32BE(off + 8)
      const orig = le ? buf.readUInt32LE(off + 12) : buf.readUInt32BE(off + 12)
      if (incl > MAX_RECORD_BYTES) throw new PcapFormatError(`pcap record of ${incl} bytes at offset ${off}`)
      if (off + 16 + incl > buf.length) break
      pkt.tsUs = sec * 1e6 + Math.floor(frac / fracDiv)
      pkt.bytes = buf
      pkt.start = off + 16
      pkt.end = off + 16 + incl
      pkt.origLen = orig
      this.#packets++
      this.#onPacket(pkt)
      off += 16 + incl
    }
    return off
  }

  #u32(buf: Buffer, off: number): number {
    return this.#le ? buf.readUInt32LE(off) : buf.readUInt32BE(off)
  }

  // pcapng block: type u32, total_len u32, body, total_len u32
  #pcapngBlocks(buf: Buffer, off: number): number {
    while (off + 12 <= buf.length) {
      const rawType = buf.readUInt32BE(off)
      if (rawType === PCAPNG_SHB) {
        // SHB: the byte-order magic decides how to read everything, including its own length.
        const bom = buf.readUInt32LE(off + 8)
        if (bom === PCAPNG_BOM) this.#le = true
        else if (buf.readUInt32BE(off + 8) === PCAPNG_BOM) this.#le = false
        else throw new PcapFormatError(`pcapng section header with a bad byte-order magic at offset ${off}`)
      }
      const type = this.#u32(buf, off)
      const len = this.#u32(buf, off + 4)
      if (len < 12 || len % 4 !== 0 || len > MAX_RECORD_BYTES) {
        throw new PcapFormatError(`pcapng block of length ${len} at offset ${off}`)
      }
      if (off + len > buf.length) break
      const body = off + 8
      const bodyEnd = off + len - 4
      switch (type) {
        case PCAPNG_SHB:
          this.#ifaces = []
          break
        case BLOCK_IDB:
          this.#interface(buf, body, bodyEnd)
          break
        case BLOCK_EPB:
          this.#enhanced(buf, body, bodyEnd)
          break
        case BLOCK_SPB:
          this.#simple(buf, body, bodyEnd)
          break
        case BLOCK_OPB:
          this.#obsolete(buf, body, bodyEnd)
          break
        default:
          break // NRB, ISB, DSB, custom blocks: not needed
      }
      off += len
    }
    return off
  }

  // IDB: linktype u16, reserved u16, snaplen u32, options
  #interface(buf: Buffer, off: number, end: number): void {
    if (end - off < 8) throw new PcapFormatError('pcapng interface description block too short')
    if (this.#ifaces.length >= MAX_INTERFACES) throw new PcapFormatError('too many pcapng interfaces')
    const linkType = this.#le ? buf.readUInt16LE(off) : buf.readUInt16BE(off)
    const iface: Interface = { linkType, unitsPerSec: 1_000_000n, micro: true, offsetUs: 0 }
    let o = off + 8
    while (o + 4 <= end) {
      const code = this.#le ? buf.readUInt16LE(o) : buf.readUInt16BE(o)
      const olen = this.#le ? buf.readUInt16LE(o + 2) : buf.readUInt16BE(o + 2)
      if (code === OPT_END || o + 4 + olen > end) break
      if (code === OPT_IF_TSRESOL && olen >= 1) {
        const v = buf[o + 4] ?? 6
        // MSB clear: 10^-v; MSB set: 2^-(v & 0x7f)
        const units = v & 0x80 ? 1n << BigInt(v & 0x7f) : 10n ** BigInt(v)
        iface.unitsPerSec = units
        iface.micro = units === 1_000_000n
      } else if (code === OPT_IF_TSOFFSET && olen >= 8) {
        const secs = this.#le ? buf.readBigInt64LE(o + 4) : buf.readBigInt64BE(o + 4)
        iface.offsetUs = Number(secs) * 1e6
      }
      o += 4 + ((olen + 3) & ~3)
    }
    this.#ifaces.push(iface)
  }

  #deliver(ifaceId: number, hi: number, lo: number, buf: Buffer, start: number, end: number, origLen: number): void {
    const iface = this.#ifaces[ifaceId]
    if (!iface) throw new PcapFormatError(`pcapng packet for undeclared interface ${ifaceId}`)
    const pkt = this.#pkt
    pkt.linkType = iface.linkType
    if (iface.micro) {
      pkt.tsUs = hi * TWO_32 + lo + iface.offsetUs
    } else {
      const units = (BigInt(hi) << 32n) | BigInt(lo)
      pkt.tsUs = Number((units * 1_000_000n) / iface.unitsPerSec) + iface.offsetUs
    }
    pkt.bytes = buf
    pkt.start = start
    pkt.end = end
    pkt.origLen = origLen
    this.#packets++
    this.#onPacket(pkt)
  }

  // EPB: interface id u32, ts_high u32, ts_low u32, cap_len u32, orig_len u32, data, options
  #enhanced(buf: Buffer, off: number, end: number): void {
    if (end - off < 20) throw new PcapFormatError('pcapng enhanced packet block too short')
    const id = this.#u32(buf, off)
    const hi = this.#u32(buf, off + 4)
    const lo = this.#u32(buf, off + 8)
    const cap = this.#u32(buf, off + 12)
    const orig = this.#u32(buf, off + 16)
    if (off + 20 + cap > end) throw new PcapFormatError('pcapng packet longer than its block')
    this.#deliver(id, hi, lo, buf, off + 20, off + 20 + cap, orig)
  }

  // SPB: orig_len u32, data (captured length = what fits; interface 0, no timestamp)
  #simple(buf: Buffer, off: number, end: number): void {
    if (end - off < 4) throw new PcapFormatError('pcapng simple packet block too short')
    const orig = this.#u32(buf, off)
    const cap = Math.min(orig, end - off - 4)
    this.#deliver(0, 0, 0, buf, off + 4, off + 4 + cap, orig)
  }

  // OPB (obsolete): interface id u16, drops u16, ts_high, ts_low, cap_len, orig_len, data
  #obsolete(buf: Buffer, off: number, end: number): void {
    if (end - off < 20) throw new PcapFormatError('pcapng packet block too short')
    const id = this.#le ? buf.readUInt16LE(off) : buf.readUInt16BE(off)
    const hi = this.#u32(buf, off + 4)
    const lo = this.#u32(buf, off + 8)
    const cap = this.#u32(buf, off + 12)
    const orig = this.#u32(buf, off + 16)
    if (off + 20 + cap > end) throw new PcapFormatError('pcapng packet longer than its block')
    this.#deliver(id, hi, lo, buf, off + 20, off + 20 + cap, orig)
  }
}

/** Parses a whole capture held in memory. */
export function readCapture(bytes: Buffer, onPacket: PacketHandler): number {
  const r = new PcapStreamReader(onPacket)
  r.push(bytes)
  r.end()
  return r.packets
}
