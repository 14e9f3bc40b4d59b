// A small DER/BER reader and DER writer for the protocols that wrap their
// messages in ASN.1: SPNEGO (SMB, HTTP Negotiate), CredSSP TSRequest (RDP),
// later LDAP and SNMP. Readers return undefined on a short read, an
// indefinite length, an over-long length or too deep a tree; they never throw.

/** Length fields longer than this many bytes are refused (4 → up to 4 GiB, capped below). */
export const MAX_LENGTH_BYTES = 4
/** Nesting depth that decodeTree accepts. */
export const MAX_DEPTH = 16
/** Elements that decodeTree / children accept in total. */
export const MAX_NODES = 4096

export const TAG = Object.freeze({
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  SEQUENCE: 0x30,
  SET: 0x31,
  /** [APPLICATION 0] constructed: GSS-API InitialContextToken (RFC 2743 §3.1). */
  APPLICATION_0: 0x60,
})

/** Tag byte of a context-specific constructed element [n] (n < 31). */
export const ctxTag = (n: number): number => 0xa0 | n

export interface Tlv {
  tag: number
  /** Offset of the tag byte in the buffer that was read. */
  start: number
  /** Offset of the first content byte. */
  contentStart: number
  /** Offset just past the element. */
  end: number
  content: Buffer
}

/**
 * Read one element at `offset`. Single-byte tags only (high tag numbers are
 * refused); definite lengths only; the element must fit inside `buf`.
 */
export function readTlv(buf: Buffer, offset = 0): Tlv | undefined {
  if (offset < 0 || offset + 2 > buf.length) return undefined
  const tag = buf[offset] as number
  if ((tag & 0x1f) === 0x1f) return undefined
  let p = offset + 1
  const first = buf[p++] as number
  let len: number
  if (first < 0x80) {
    len = first
  } else {
    const n = first & 0x7f
    if (n === 0 || n > MAX_LENGTH_BYTES || p + n > buf.length) return undefined
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + (buf[p++] as number)
  }
  if (p + len > buf.length) return undefined
  return { tag, start: offset, contentStart: p, end: p + len, content: buf.subarray(p, p + len) }
}

/** Every element inside `content` (a constructed element's content), or undefined if any is malformed. */
export function children(content: Buffer, max = MAX_NODES): Tlv[] | undefined {
  const out: Tlv[] = []
  let p = 0
  while (p < content.length) {
    if (out.length >= max) return undefined
    const t = readTlv(content, p)
    if (!t) return undefined
    out.push(t)
    p = t.end
  }
  return out
}

/** Context-tagged child [n] of a constructed element's content. */
export function field(content: Buffer, n: number): Tlv | undefined {
  return children(content)?.find((c) => c.tag === ctxTag(n))
}

export interface DerNode {
  tag: number
  /** Primitive content; constructed nodes have `children` instead. */
  value?: Buffer
  children?: DerNode[]
}

/** Decode a whole tree with depth and node caps (for fuzzing and generic BER users). */
export function decodeTree(buf: Buffer, maxDepth = MAX_DEPTH, maxNodes = MAX_NODES): DerNode[] | undefined {
  let nodes = 0
  const walk = (b: Buffer, depth: number): DerNode[] | undefined => {
    if (depth > maxDepth) return undefined
    const list = children(b)
    if (!list) return undefined
    const out: DerNode[] = []
    for (const t of list) {
      if (++nodes > maxNodes) return undefined
      if (t.tag & 0x20) {
        const kids = walk(t.content, depth + 1)
        if (!kids) return undefined
        out.push({ tag: t.tag, children: kids })
      } else {
        out.push({ tag: t.tag, value: t.content })
      }
    }
    return out
  }
  return walk(buf, 1)
}

/** Non-negative INTEGER content as a number (≤ 6 bytes), else undefined. */
export function readUInt(content: Buffer): number | undefined {
  if (content.length === 0 || content.length > 6) return undefined
  if ((content[0] as number) & 0x80) return undefined
  return content.readUIntBE(0, content.length)
}

/** Signed INTEGER content (≤ 4 bytes) as a number. */
export function readInt32(content: Buffer): number | undefined {
  if (content.length === 0 || content.length > 4) return undefined
  return content.readIntBE(0, content.length)
}

// ---- writer ---------------------------------------------------------------

export function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n])
  const bytes: number[] = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

export function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content)
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body])
}

export const seq = (...items: Buffer[]): Buffer => tlv(TAG.SEQUENCE, ...items)
export const explicit = (n: number, ...items: Buffer[]): Buffer => tlv(ctxTag(n), ...items)
export const octets = (b: Buffer): Buffer => tlv(TAG.OCTET_STRING, b)
export const enumerated = (n: number): Buffer => tlv(TAG.ENUMERATED, intContent(n))
export const integer = (n: number): Buffer => tlv(TAG.INTEGER, intContent(n))

/** Minimal two's-complement content for a 32-bit integer. */
export function intContent(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n | 0)
  let i = 0
  while (i < 3 && ((b[i] === 0 && ((b[i + 1] as number) & 0x80) === 0) || (b[i] === 0xff && ((b[i + 1] as number) & 0x80) !== 0))) i++
  return b.subarray(i)
}

/** OBJECT IDENTIFIER element from dotted form. */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number)
  const out: number[] = [(arcs[0] as number) * 40 + (arcs[1] as number)]
  for (const arc of arcs.slice(2)) {
    const parts: number[] = []
    let v = arc
    do {
      parts.unshift(v & 0x7f)
      v = Math.floor(v / 128)
    } while (v > 0)
    for (let i = 0; i < parts.length - 1; i++) parts[i] = (parts[i] as number) | 0x80
    out.push(...parts)
  }
  return tlv(TAG.OID, Buffer.from(out))
}

/** Dotted form of OID content bytes (undefined when malformed). */
export function oidString(content: Buffer): string | undefined {
  if (content.length === 0 || content.length > 64) return undefined
  const first = content[0] as number
  const arcs: number[] = [first < 80 ? Math.floor(first / 40) : 2, first < 80 ? first % 40 : first - 80]
  let v = 0
  for (let i = 1; i < content.length; i++) {
    const b = content[i] as number
    v = v * 128 + (b & 0x7f)
    if (v > Number.MAX_SAFE_INTEGER / 128) return undefined
    if ((b & 0x80) === 0) {
      arcs.push(v)
      v = 0
    } else if (i === content.length - 1) {
      return undefined
    }
  }
  return arcs.join('.')
}
