// JA4S — TLS server/session fingerprint. Part of JA4+, (c) FoxIO, LLC, under
// the FoxIO License 1.1 (see ./LICENSE), not under decnet's licence.
// Spec: github.com/FoxIO-LLC/ja4/blob/main/technical_details/JA4S.md
//   a = proto(t|q) + version(2) + extension count(2) + chosen ALPN chars(2)
//   b = chosen cipher as hex4
//   c = sha256(extension hex4 list in wire order)[:12]
import { alpnChars, hash12, hex4, ja4Version } from '../ja4.js'
import type { ServerHello } from '../tls.js'

export interface Ja4s {
  ja4s: string
  ja4s_r: string
}

export function ja4s(h: ServerHello, proto: 't' | 'q' = 't'): Ja4s {
  const version = ja4Version(h.legacyVersion, h.selectedVersion === undefined ? [] : [h.selectedVersion])
  const count = String(Math.min(h.extensions.length, 99)).padStart(2, '0')
  const ab = `${proto}${version}${count}${alpnChars(h.alpn)}_${hex4(h.cipher)}`
  const exts = h.extensions.map(hex4).join(',')
  return { ja4s: `${ab}_${hash12(exts)}`, ja4s_r: `${ab}_${exts}` }
}
