// HTTP/2 prior-knowledge (h2c) sniffing: the client preface is followed by its
// SETTINGS frame (RFC 9113 §3.4, §6.5), whose order and values fingerprint
// the client. We do not speak h2; the server then refuses like an h1-only one.

export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')
const FRAME_HEADER = 9
const TYPE_SETTINGS = 0x4
/** A SETTINGS frame longer than this is not read (16 settings × 6 bytes is plenty). */
const MAX_SETTINGS_PAYLOAD = 16 * 6

export const SETTING_NAMES: Readonly<Record<number, string>> = Object.freeze({
  1: 'HEADER_TABLE_SIZE',
  2: 'ENABLE_PUSH',
  3: 'MAX_CONCURRENT_STREAMS',
  4: 'INITIAL_WINDOW_SIZE',
  5: 'MAX_FRAME_SIZE',
  6: 'MAX_HEADER_LIST_SIZE',
  8: 'ENABLE_CONNECT_PROTOCOL',
  9: 'NO_RFC7540_PRIORITIES',
})

export type H2Sniff =
  | { kind: 'need' }
  | { kind: 'not_h2' }
  | { kind: 'h2'; settings: [id: number, value: number][] | undefined }

/** Bytes that can still decide: preface + one frame header + a bounded payload. */
export const H2_SNIFF_MAX = H2_PREFACE.length + FRAME_HEADER + MAX_SETTINGS_PAYLOAD

export function sniffH2(buf: Buffer): H2Sniff {
  const n = Math.min(buf.length, H2_PREFACE.length)
  if (!buf.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) return { kind: 'not_h2' }
  if (buf.length < H2_PREFACE.length + FRAME_HEADER) return { kind: 'need' }
  const h = H2_PREFACE.length
  const length = buf.readUIntBE(h, 3)
  const type = buf[h + 3]
  if (type !== TYPE_SETTINGS || length % 6 !== 0 || length > MAX_SETTINGS_PAYLOAD) return { kind: 'h2', settings: undefined }
  if (buf.length < h + FRAME_HEADER + length) return { kind: 'need' }
  const settings: [number, number][] = []
  for (let o = h + FRAME_HEADER; o < h + FRAME_HEADER + length; o += 6) settings.push([buf.readUInt16BE(o), buf.readUInt32BE(o + 2)])
  return { kind: 'h2', settings }
}

export function settingName(id: number): string {
  return SETTING_NAMES[id] ?? (id >= 0xf000 ? `GREASE_${id.toString(16)}` : `UNKNOWN_${id}`)
}
