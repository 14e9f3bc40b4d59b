// JA3 and JA3S (Salesforce, BSD-3-Clause; github.com/salesforce/ja3):
//   JA3  = MD5("SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats")
//   JA3S = MD5("SSLVersion,Cipher,Extensions")
// decimal values, lists joined with '-', wire order, GREASE (RFC 8701) removed.
import { createHash } from 'node:crypto'
import { withoutGrease } from './grease.js'
import type { ClientHello, ServerHello } from './tls.js'

export interface Ja3 {
  ja3: string
  /** The string that is hashed. */
  full: string
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex')

export function ja3String(h: ClientHello): string {
  return [
    String(h.legacyVersion),
    withoutGrease(h.ciphers).join('-'),
    withoutGrease(h.extensions).join('-'),
    withoutGrease(h.groups).join('-'),
    h.pointFormats.join('-'),
  ].join(',')
}

export function ja3(h: ClientHello): Ja3 {
  const full = ja3String(h)
  return { ja3: md5(full), full }
}

export function ja3s(h: ServerHello): Ja3 {
  const full = [String(h.legacyVersion), String(h.cipher), withoutGrease(h.extensions).join('-')].join(',')
  return { ja3: md5(full), full }
}
