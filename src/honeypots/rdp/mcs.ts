// What a client says about itself in the MCS Connect-Initial (T.125) that
// follows TLS in PROTOCOL_SSL mode: TS_UD_CS_CORE (MS-RDPBCGR 2.2.1.3.2).
// We locate the GCC client user data by its H.221 key "Duca" instead of
// decoding the whole BER/PER stack.

export interface ClientCore {
  version: string
  width: number
  height: number
  keyboardLayout: number
  clientBuild: number
  clientName: string
}

const DUCA = Buffer.from('Duca', 'latin1')
const CS_CORE = 0xc001

export function parseClientCore(pkt: Buffer): ClientCore | undefined {
  const at = pkt.indexOf(DUCA)
  if (at < 0) return undefined
  // "Duca" is followed by a PER length (1 or 2 bytes), then the user data blocks
  let p = at + 4
  p += ((pkt[p] ?? 0) & 0x80) ? 2 : 1
  while (p + 4 <= pkt.length) {
    const type = pkt.readUInt16LE(p)
    const len = pkt.readUInt16LE(p + 2)
    if (len < 4 || p + len > pkt.length) return undefined
    if (type === CS_CORE && len >= 4 + 68) {
      const b = pkt.subarray(p + 4, p + len)
      const v = b.readUInt32LE(0)
      return {
        version: `${v >>> 16}.${v & 0xffff}`,
        width: b.readUInt16LE(4),
        height: b.readUInt16LE(6),
        keyboardLayout: b.readUInt32LE(12),
        clientBuild: b.readUInt32LE(16),
        clientName: b.subarray(20, 52).toString('utf16le').replace(/\0.*$/s, '').replace(/[^\x20-\x7e]/g, '?'),
      }
    }
    p += len
  }
  return undefined
}
