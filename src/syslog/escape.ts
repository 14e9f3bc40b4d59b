// Lossless escaping of JS strings into RFC 5424 PARAM-VALUE and MSG text.
//
// RFC 5424 §6.3.3 requires `"`, `\` and `]` inside PARAM-VALUE to be escaped with
// a backslash, and tells receivers to keep a backslash before any other character
// as a literal backslash. decnet adds escapes for everything that must never
// reach a log raw, using forms a generic RFC 5424 reader shows as plain text:
//
//   byte/char in the value               written as
//   \                                     \\
//   "   (PARAM-VALUE only)                \"
//   ]   (PARAM-VALUE only)                \]
//   U+0000..U+001F, U+007F                \xNN    (two lower-case hex digits)
//   U+0080..U+009F (C1 controls)          \uNNNN  (four lower-case hex digits)
//   U+2028, U+2029 (line/para separator)  \uNNNN
//   U+FEFF (BOM, zero-width no-break)     \uNNNN
//   lone surrogates U+D800..U+DFFF        \uNNNN  (a JS string is UTF-16 and may
//                                                  hold one; UTF-8 cannot, so it is
//                                                  written as an escape)
//
// Every other character is written as UTF-8. The decoder turns exactly these
// forms back (`\xNN` only for C0/DEL, `\uNNNN` only for the set above); any
// other backslash sequence is kept literally, as RFC 5424 asks, so lines from
// other emitters read the same as they would anywhere else.

const HEX = '0123456789abcdef'

function hex2(n: number): string {
  return HEX[(n >> 4) & 15]! + HEX[n & 15]!
}

function isUEscaped(c: number): boolean {
  return (c >= 0x80 && c <= 0x9f) || c === 0x2028 || c === 0x2029 || c === 0xfeff || (c >= 0xd800 && c <= 0xdfff)
}

/** Characters that need no escape in PARAM-VALUE: a fast path for common values. */
const PLAIN_VALUE = /^[^\x00-\x1f\x7f-\x9f"\\\]\u2028\u2029\ufeff\ud800-\udfff]*$/
const PLAIN_MSG = /^[^\x00-\x1f\x7f-\x9f\\\u2028\u2029\ufeff\ud800-\udfff]*$/

function escapeWith(s: string, sdValue: boolean): string {
  let out = ''
  let from = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    let rep: string | undefined
    if (c === 0x5c) rep = '\\\\'
    else if (sdValue && c === 0x22) rep = '\\"'
    else if (sdValue && c === 0x5d) rep = '\\]'
    else if (c < 0x20 || c === 0x7f) rep = '\\x' + hex2(c)
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++ // a valid pair: an astral character, written as UTF-8
        continue
      }
      rep = '\\u' + hex2(c >> 8) + hex2(c & 0xff)
    } else if (isUEscaped(c)) rep = '\\u' + hex2(c >> 8) + hex2(c & 0xff)
    if (rep === undefined) continue
    out += s.slice(from, i) + rep
    from = i + 1
  }
  return from === 0 ? s : out + s.slice(from)
}

/** PARAM-VALUE escaping (RFC 5424 §6.3.3 plus decnet's control escapes). */
export function escapeParamValue(s: string): string {
  return PLAIN_VALUE.test(s) ? s : escapeWith(s, true)
}

/** MSG escaping: backslash and control characters only (`"` and `]` stay). */
export function escapeMsg(s: string): string {
  return PLAIN_MSG.test(s) ? s : escapeWith(s, false)
}

function hexValue(s: string, at: number, n: number): number | undefined {
  let v = 0
  for (let k = 0; k < n; k++) {
    const d = HEX.indexOf(s[at + k] ?? 'z')
    if (d < 0) return undefined
    v = v * 16 + d
  }
  return v
}

/**
 * Reads one backslash escape at `s[i] === '\\'`. Returns the decoded text and
 * how many characters it used, or undefined when it is not one of ours (the
 * caller then keeps the backslash literally).
 */
export function decodeEscape(s: string, i: number, sdValue: boolean): { text: string; used: number } | undefined {
  const n = s[i + 1]
  if (n === '\\') return { text: '\\', used: 2 }
  if (sdValue && (n === '"' || n === ']')) return { text: n, used: 2 }
  if (n === 'x') {
    const v = hexValue(s, i + 2, 2)
    if (v !== undefined && (v < 0x20 || v === 0x7f)) return { text: String.fromCharCode(v), used: 4 }
  } else if (n === 'u') {
    const v = hexValue(s, i + 2, 4)
    if (v !== undefined && isUEscaped(v)) return { text: String.fromCharCode(v), used: 6 }
  }
  return undefined
}

/** Inverse of escapeMsg. */
export function unescapeMsg(s: string): string {
  if (!s.includes('\\')) return s
  let out = ''
  let from = 0
  for (let i = s.indexOf('\\'); i >= 0 && i < s.length; i = s.indexOf('\\', i)) {
    const d = decodeEscape(s, i, false)
    if (!d) {
      i++
      continue
    }
    out += s.slice(from, i) + d.text
    i += d.used
    from = i
  }
  return out + s.slice(from)
}
