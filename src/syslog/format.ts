// decnet's event line: RFC 5424, one line per event.
//
// Byte layout (ASCII except inside PARAM-VALUE and MSG, which are UTF-8):
//
//   <PRI>1 SP TIMESTAMP SP HOSTNAME SP APP-NAME SP - SP MSGID SP SD [SP MSG]
//
//   PRI        "<" (16*8 + severity) ">", facility local0: INFO → <134>, WARNING → <132>.
//   VERSION    "1".
//   TIMESTAMP  the event time, e.g. 2026-11-28T01:02:03.123456+00:00 ("-" if unusable).
//   HOSTNAME   decky name, PRINTUSASCII (33..126) only, other chars → "_", ≤255, "-" if empty.
//   APP-NAME   service slug, same rule, ≤48.
//   PROCID     always "-".
//   MSGID      event type, same rule, ≤32.
//   SD         "-" when there are no fields, else exactly one element:
//                [relay@55555 k1="v1" k2="v2" ...]
//              params in the fields' insertion order, one space apart. Names are
//              SD-NAMEs (PRINTUSASCII minus = SP ] ", ≤32): other chars → "_", a
//              clash gets a numeric suffix. Values are escaped by escape.ts:
//              \ " ] get a backslash (RFC 5424 §6.3.3); control chars, C1,
//              U+2028/9, U+FEFF and lone surrogates become \xNN / \uNNNN.
//   MSG        only when msg is non-empty: one space, then the text with
//              backslash and control characters escaped the same way (no BOM).
//
// No raw byte below 0x20 (nor 0x7f) ever appears in a line, so LF framing is
// safe and a terminal shows the line as text.
import type { DecnetEvent } from '../events/event.js'
import { escapeMsg, escapeParamValue } from './escape.js'

export const SD_ID = 'relay@55555'
/** Upstream's SD-ID before 2026-04-17; accepted by the parser. */
export const LEGACY_SD_ID = 'decnet@55555'
export const FACILITY_LOCAL0 = 16

export const HEADER_LIMITS = Object.freeze({
  hostname: 255,
  appName: 48,
  msgId: 32,
  sdName: 32,
})

/** PRINTUSASCII without spaces; anything else becomes "_"; empty → "-". */
export function headerField(s: string, max: number): string {
  if (s === '') return '-'
  let out = ''
  for (const ch of s) {
    if (out.length >= max) break
    const c = ch.charCodeAt(0)
    out += ch.length === 1 && c >= 33 && c <= 126 ? ch : '_'
  }
  return out
}

const SD_NAME_OK = /^[!#-\\^-~]{1,32}$/ // 33..126 without " (34), = (61), ] (93); SP excluded by range

/** An RFC 5424 SD-NAME: PRINTUSASCII except = SP ] ", 1..32 chars. */
export function sdName(key: string): string {
  if (SD_NAME_OK.test(key) && !key.includes('=')) return key
  let out = ''
  for (const ch of key) {
    if (out.length >= HEADER_LIMITS.sdName) break
    const c = ch.charCodeAt(0)
    out += ch.length === 1 && c >= 33 && c <= 126 && ch !== '=' && ch !== ']' && ch !== '"' ? ch : '_'
  }
  return out || '_'
}

function timestampField(t: string): string {
  return /^\d{4}-\d{2}-\d{2}T[\x21-\x7e]+$/.test(t) ? t : '-'
}

export function formatEvent(ev: DecnetEvent): string {
  const pri = FACILITY_LOCAL0 * 8 + (ev.severity & 7)
  let line =
    `<${pri}>1 ${timestampField(ev.time)} ${headerField(ev.decky, HEADER_LIMITS.hostname)} ` +
    `${headerField(ev.service, HEADER_LIMITS.appName)} - ${headerField(ev.type, HEADER_LIMITS.msgId)} `
  const keys = Object.keys(ev.fields)
  if (keys.length === 0) line += '-'
  else {
    line += '[' + SD_ID
    const used = new Set<string>()
    for (const k of keys) {
      let name = sdName(k)
      for (let n = 2; used.has(name); n++) name = `${sdName(k).slice(0, HEADER_LIMITS.sdName - String(n).length - 1)}_${n}`
      used.add(name)
      line += ` ${name}="${escapeParamValue(ev.fields[k] ?? '')}"`
    }
    line += ']'
  }
  if (ev.msg) line += ' ' + escapeMsg(ev.msg)
  return line
}
