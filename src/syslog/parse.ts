// Reads RFC 5424 lines back into DecnetEvents: decnet's own lines (format.ts)
// exactly, and generic RFC 5424 from other emitters (other SD elements, "-" SD,
// a BOM before MSG). Never throws: anything it cannot read is undefined.
//
//   HEADER = "<" PRI ">" VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID
//   SD     = "-" / 1*("[" SD-ID *(SP NAME "=" DQUOTE VALUE DQUOTE) "]")
//   line   = HEADER SP SD [SP MSG]                                   (RFC 5424 §6)
//
// Fields come from the `relay@55555` element (and upstream's `decnet@55555`);
// other elements (timeQuality, origin, meta, ...) are skipped. The first
// occurrence of a repeated name wins. A TIMESTAMP is normalised to UTC with
// six fraction digits; "-" or an unreadable one becomes the time of reading.
import { eventTime, type DecnetEvent, type EventFields, type Severity } from '../events/event.js'
import { decodeEscape, unescapeMsg } from './escape.js'
import { LEGACY_SD_ID, SD_ID } from './format.js'

const MAX_PRI = 191

const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i

/** An RFC 3339 timestamp as UTC `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`; undefined if unreadable. */
export function canonicalTime(ts: string): string | undefined {
  if (CANONICAL_TIME.test(ts)) return ts
  const m = RFC3339.exec(ts)
  if (!m) return undefined
  const [, y, mo, d, h, mi, s, frac = '', off = 'Z'] = m
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))
  if (off.toUpperCase() !== 'Z') {
    const sign = off[0] === '-' ? -1 : 1
    ms -= sign * (Number(off.slice(1, 3)) * 60 + Number(off.slice(4, 6))) * 60_000
  }
  const date = new Date(ms)
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() > 9999 || date.getUTCFullYear() < 0) return undefined
  return `${date.toISOString().slice(0, 19)}.${frac.padEnd(6, '0').slice(0, 6)}+00:00`
}

/** Cursor over one line; every read returns undefined when the line is short or malformed. */
class Reader {
  i = 0
  constructor(readonly s: string) {}
  /** A run of non-space characters followed by one SP (or end when `last`). */
  token(): string | undefined {
    const end = this.s.indexOf(' ', this.i)
    if (end <= this.i) return undefined
    const t = this.s.slice(this.i, end)
    this.i = end + 1
    return t
  }
}

interface SdResult {
  fields: [string, string][]
}

/**
 * Reads SD at r.i ("-" or elements); leaves r.i after it. The next quote and
 * backslash positions are cached, so hostile lines (thousands of escapes or
 * params) are read in linear time.
 */
function readSd(r: Reader, out: SdResult): boolean {
  const s = r.s
  if (s[r.i] === '-') {
    r.i++
    return true
  }
  if (s[r.i] !== '[') return false
  let nextQuote = -2 // -2: not searched yet; -1: none left
  let nextSlash = -2
  const find = (ch: string, cached: number) => (cached === -1 || cached >= r.i ? cached : s.indexOf(ch, r.i))
  while (s[r.i] === '[') {
    r.i++
    let j = r.i
    while (j < s.length && s[j] !== ' ' && s[j] !== ']') j++
    if (j === r.i || j >= s.length) return false
    const id = s.slice(r.i, j)
    const ours = id === SD_ID || id === LEGACY_SD_ID
    r.i = j
    while (s[r.i] === ' ') {
      r.i++
      let eq = r.i
      while (eq < s.length && s[eq] !== '=' && s[eq] !== ' ' && s[eq] !== ']' && s[eq] !== '"') eq++
      if (eq === r.i || s[eq] !== '=' || s[eq + 1] !== '"') return false
      const name = s.slice(r.i, eq)
      r.i = eq + 2
      let value = ''
      let from = r.i
      for (;;) {
        nextQuote = find('"', nextQuote)
        nextSlash = find('\\', nextSlash)
        if (nextQuote < 0) return false
        if (nextSlash >= 0 && nextSlash < nextQuote) {
          const b = nextSlash
          const d = decodeEscape(s, b, true)
          if (d) {
            value += s.slice(from, b) + d.text
            r.i = b + d.used
            from = r.i
          } else r.i = b + 1 // not an escape: the backslash stays (RFC 5424 §6.3.3)
          continue
        }
        value += s.slice(from, nextQuote)
        r.i = nextQuote + 1
        break
      }
      if (ours) out.fields.push([name, value])
    }
    if (s[r.i] !== ']') return false
    r.i++
  }
  return true
}

/** Parses one RFC 5424 line; undefined if it is not one. Never throws. */
export function parseLine(input: string): DecnetEvent | undefined {
  try {
    return parse(input)
  } catch {
    return undefined
  }
}

function parse(input: string): DecnetEvent | undefined {
  let line = input
  if (line.endsWith('\n')) line = line.slice(0, line.endsWith('\r\n') ? -2 : -1)
  if (line[0] !== '<') return undefined
  const gt = line.indexOf('>')
  if (gt < 2 || gt > 4) return undefined
  const priText = line.slice(1, gt)
  if (!/^\d+$/.test(priText)) return undefined
  const pri = Number(priText)
  if (pri > MAX_PRI) return undefined
  const r = new Reader(line)
  r.i = gt + 1
  const version = r.token()
  if (version === undefined || !/^[1-9]\d{0,2}$/.test(version)) return undefined
  const ts = r.token()
  const host = r.token()
  const app = r.token()
  const procId = r.token()
  if (ts === undefined || host === undefined || app === undefined || procId === undefined) return undefined
  // MSGID may end the line only if SD follows; it is always followed by SP.
  const msgId = r.token()
  if (msgId === undefined) return undefined
  const sd: SdResult = { fields: [] }
  if (!readSd(r, sd)) return undefined
  let msg: string | undefined
  if (r.i < line.length) {
    if (line[r.i] !== ' ') return undefined
    let m = line.slice(r.i + 1)
    if (m.startsWith('\ufeff')) m = m.slice(1)
    if (m !== '') msg = unescapeMsg(m)
  }
  const fields: EventFields = {}
  for (const [k, v] of sd.fields) if (!Object.hasOwn(fields, k)) Object.defineProperty(fields, k, { value: v, enumerable: true, writable: true, configurable: true })
  const ev: DecnetEvent = {
    time: (ts !== '-' && canonicalTime(ts)) || eventTime(),
    decky: host === '-' ? '' : host,
    service: app === '-' ? '' : app,
    type: msgId === '-' ? '' : msgId,
    severity: (pri & 7) as Severity,
    fields,
  }
  if (msg !== undefined) ev.msg = msg
  return ev
}
