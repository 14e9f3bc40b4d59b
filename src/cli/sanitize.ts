// The one place text bound for a terminal or a JSON pipe is made safe. Every
// field an attacker can reach (service names, credential kinds, fingerprint
// types, user names, paths, user agents …) goes through here before the CLI
// prints it, so no byte can clear a screen, set a window title, start a CSI
// sequence (ESC or the C1 byte 0x9b) or reorder what the analyst reads (bidi
// overrides).
//
//   character                                          terminal text   JSON
//   C0 U+0000–U+001F (TAB and LF too), DEL, C1 U+0080–U+009F  \xNN     \u00NN (JSON.stringify does C0)
//   format characters (Cf: bidi marks, embeddings, overrides and
//   isolates U+200E/F U+202A–E U+2066–9 U+061C, zero-width U+200B–D,
//   U+2060–4, BOM U+FEFF, soft hyphen, tag characters …),
//   U+2028/U+2029, Hangul fillers, lone surrogates      \u{NNNN}        \uNNNN (a pair for astral ones)
//
// Backslashes are left as they are: `\x1b` in a table is either an escaped ESC
// or those four characters sent literally; `--json` tells them apart.

/** What terminal text escapes. Lone surrogates match \p{Cs} only under the u flag. */
const TERM_UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\u115f\u1160\u3164\uffa0]/u
/** What JSON.stringify leaves raw that we escape (C0 and lone surrogates it escapes itself; raw LF/spaces between members are layout). */
const JSON_UNSAFE_G = /[\x7f-\x9f\p{Cf}\p{Zl}\p{Zp}\u115f\u1160\u3164\uffa0]/gu

function termEscape(c: string): string {
  const cp = c.codePointAt(0)!
  return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16).padStart(4, '0')}}`
}

/**
 * Attacker-reachable text made safe for a terminal: every control, C1, bidi and
 * invisible format character becomes a visible `\xNN` / `\u{NNNN}` escape.
 * Longer than `max` characters (after escaping) → cut with `…`, never inside an escape.
 */
export function termSafe(s: string, max = Infinity): string {
  if (!TERM_UNSAFE.test(s)) return s.length > max ? cut(Array.from(s), max) : s
  const pieces: string[] = []
  for (const ch of s) pieces.push(TERM_UNSAFE.test(ch) ? termEscape(ch) : ch)
  return cut(pieces, max)
}

function cut(pieces: string[], max: number): string {
  let n = 0
  for (const p of pieces) n += p.length
  if (n <= max) return pieces.join('')
  let out = ''
  for (const p of pieces) {
    if (out.length + p.length > max - 1) break
    out += p
  }
  return out + '…'
}

/** True when the text would reach a terminal unchanged. */
export function isTermSafe(s: string): boolean {
  return !TERM_UNSAFE.test(s)
}

/** JSON text with C1, DEL, bidi and other format characters escaped as \uNNNN (JSON.stringify leaves them raw). */
export function jsonSafe(value: unknown, space?: number): string {
  const text = JSON.stringify(value, null, space)
  if (text === undefined) return 'null'
  return text.replace(JSON_UNSAFE_G, (c) => {
    let out = ''
    for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`
    return out
  })
}
