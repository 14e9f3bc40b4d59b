// TFTP packets: RFC 1350 (RRQ, WRQ, DATA, ACK, ERROR), RFC 2347 OACK with the
// options of RFC 2348 (blksize) and RFC 2349 (timeout, tsize); netascii.
export const OP = Object.freeze({ RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 })

/** tftpd-hpa's error texts (tftpd.c errmsgs). */
export const ERR = Object.freeze({
  UNDEF: [0, 'Undefined error code'],
  NOTFOUND: [1, 'File not found'],
  ACCESS: [2, 'Access violation'],
  NOSPACE: [3, 'Disk full or allocation exceeded'],
  BADOP: [4, 'Illegal TFTP operation'],
  BADID: [5, 'Unknown transfer ID'],
  EXISTS: [6, 'File already exists'],
  NOUSER: [7, 'No such user'],
  OPTNEG: [8, 'Failure to negotiate RFC2347 options'],
} as const)

export type TftpError = (typeof ERR)[keyof typeof ERR]

export interface Request {
  op: 'RRQ' | 'WRQ'
  filename: string
  mode: string
  /** Lower-cased option names → values, in the order sent (at most 16). */
  options: Map<string, string>
}

/** Strings of a request: NUL-terminated, latin1 (filenames are bytes). */
function strings(buf: Buffer, from: number, max: number): string[] | undefined {
  const out: string[] = []
  let i = from
  while (i < buf.length && out.length < max) {
    const end = buf.indexOf(0, i)
    if (end < 0) return undefined
    out.push(buf.subarray(i, end).toString('latin1'))
    i = end + 1
  }
  return out
}

/** A request, 'malformed', or undefined when it is no request. */
export function parseRequest(buf: Buffer): Request | 'malformed' | undefined {
  const op = buf.readUInt16BE(0)
  if (op !== OP.RRQ && op !== OP.WRQ) return undefined
  const s = strings(buf, 2, 2 + 32)
  if (!s || s.length < 2) return 'malformed'
  const [filename = '', mode = ''] = s
  if (!filename || filename.length > 512) return 'malformed'
  const options = new Map<string, string>()
  const rest = s.slice(2)
  // a trailing odd string: some clients pad with an extra NUL; ignore it
  for (let i = 0; i + 1 < rest.length && options.size < 16; i += 2) options.set((rest[i] ?? '').toLowerCase(), rest[i + 1] ?? '')
  return { op: op === OP.RRQ ? 'RRQ' : 'WRQ', filename, mode: mode.toLowerCase(), options }
}

export function errorPacket([code, msg]: TftpError, text?: string): Buffer {
  const m = Buffer.from(text ?? msg, 'latin1')
  const b = Buffer.alloc(4 + m.length + 1)
  b.writeUInt16BE(OP.ERROR, 0)
  b.writeUInt16BE(code, 2)
  m.copy(b, 4)
  return b
}

export function dataPacket(block: number, data: Buffer): Buffer {
  const h = Buffer.alloc(4)
  h.writeUInt16BE(OP.DATA, 0)
  h.writeUInt16BE(block & 0xffff, 2)
  return Buffer.concat([h, data])
}

export function ackPacket(block: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt16BE(OP.ACK, 0)
  b.writeUInt16BE(block & 0xffff, 2)
  return b
}

export function oackPacket(options: ReadonlyMap<string, string>): Buffer {
  const parts: Buffer[] = [Buffer.from([0, OP.OACK])]
  for (const [k, v] of options) parts.push(Buffer.from(`${k}\0${v}\0`, 'latin1'))
  return Buffer.concat(parts)
}

/** netascii on the wire (RFC 764): LF → CR LF, CR → CR NUL. */
export function toNetascii(data: Buffer): Buffer {
  const out: number[] = []
  for (const b of data) {
    if (b === 0x0a) out.push(0x0d, 0x0a)
    else if (b === 0x0d) out.push(0x0d, 0x00)
    else out.push(b)
  }
  return Buffer.from(out)
}

export function fromNetascii(data: Buffer): Buffer {
  const out = Buffer.alloc(data.length)
  let n = 0
  for (let i = 0; i < data.length; i++) {
    const b = data[i] as number
    if (b === 0x0d && (data[i + 1] === 0x0a || data[i + 1] === 0x00)) {
      out[n++] = data[i + 1] === 0x0a ? 0x0a : 0x0d
      i++
    } else out[n++] = b
  }
  return out.subarray(0, n)
}
