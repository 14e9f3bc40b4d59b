// JA4 TLS client fingerprint (FoxIO, BSD-3-Clause;
// github.com/FoxIO-LLC/ja4/blob/main/technical_details/JA4.md):
//   a = proto(t|q) + version(2) + sni(d|i) + ciphers(2 digits) + extensions(2 digits) + alpn(2)
//   b = sha256(sorted hex4 ciphers, comma-joined)[:12]
//   c = sha256(sorted hex4 extensions without 0000/0010 + "_" + sig algs in wire order)[:12]
// GREASE ignored everywhere; empty cipher / extension lists give "000000000000".
import { createHash } from 'node:crypto'
import { isGrease, withoutGrease } from './grease.js'
import { EXT, type ClientHello } from './tls.js'

export interface Ja4 {
  ja4: string
  /** Raw, sorted lists (`ja4_r`). */
  ja4_r: string
  /** Hashed, original order (`ja4_o`). */
  ja4_o: string
  /** Raw, original order (`ja4_ro`). */
  ja4_ro: string
}

const EMPTY_HASH = '000000000000'

const JA4_VERSION: Record<number, string> = {
  0x0304: '13',
  0x0303: '12',
  0x0302: '11',
  0x0301: '10',
  0x0300: 's3',
  0x0002: 's2',
  0xfeff: 'd1',
  0xfefd: 'd2',
  0xfefc: 'd3',
}

export function hash12(s: string): string {
  return s === '' ? EMPTY_HASH : createHash('sha256').update(s).digest('hex').slice(0, 12)
}

export const hex4 = (v: number): string => v.toString(16).padStart(4, '0')

/** Highest non-GREASE supported_versions entry, else the legacy version. */
export function ja4Version(legacy: number, supported: readonly number[]): string {
  let v = -1
  for (const s of supported) if (!isGrease(s) && s > v) v = s
  return JA4_VERSION[v >= 0 ? v : legacy] ?? '00'
}

const alnum = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)

/**
 * First and last character of an ALPN value; "00" when absent or empty; when the
 * first or last byte is not alphanumeric, first and last hex digit of the value.
 */
export function alpnChars(value: Buffer | undefined): string {
  if (!value || value.length === 0) return '00'
  const first = value[0]!
  const last = value[value.length - 1]!
  if (alnum(first) && alnum(last)) return String.fromCharCode(first, last)
  const hex = value.toString('hex')
  return hex[0]! + hex[hex.length - 1]!
}

const count2 = (n: number): string => String(Math.min(n, 99)).padStart(2, '0')

export function ja4(h: ClientHello, proto: 't' | 'q' = 't'): Ja4 {
  const ciphers = withoutGrease(h.ciphers)
  const exts = withoutGrease(h.extensions)
  const sigs = withoutGrease(h.sigAlgs).map(hex4).join(',')
  const sni = exts.includes(EXT.SERVER_NAME) ? 'd' : 'i'
  const a = `${proto}${ja4Version(h.legacyVersion, h.supportedVersions)}${sni}${count2(ciphers.length)}${count2(exts.length)}${alpnChars(h.alpn[0])}`

  const sortedCiphers = ciphers.map(hex4).sort().join(',')
  const sortedExts = exts.filter((e) => e !== EXT.SERVER_NAME && e !== EXT.ALPN).map(hex4).sort().join(',')
  const origCiphers = ciphers.map(hex4).join(',')
  const origExts = exts.map(hex4).join(',')
  const withSigs = (e: string): string => (sigs === '' ? e : `${e}_${sigs}`)
  const cHash = (e: string): string => (e === '' ? EMPTY_HASH : hash12(withSigs(e)))

  return {
    ja4: `${a}_${hash12(sortedCiphers)}_${cHash(sortedExts)}`,
    ja4_r: `${a}_${sortedCiphers}_${withSigs(sortedExts)}`,
    ja4_o: `${a}_${hash12(origCiphers)}_${cHash(origExts)}`,
    ja4_ro: `${a}_${origCiphers}_${withSigs(origExts)}`,
  }
}
