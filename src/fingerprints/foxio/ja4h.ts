// JA4H (HTTP client fingerprint) — FoxIO License 1.1, see LICENSE in this folder.
// Copyright (c) 2023 FoxIO, LLC. JA4+ by John Althouse. Re-implemented from
// the public specification.
//
//   a = <method[0:2] lower><version 10|11|20|30|00><c|n cookie><r|n referer>
//       <header count, 2 digits, max 99><accept-language first tag, 4 chars>
//   b = sha256_12(header names in wire order, original case, without Cookie/Referer)
//   c = sha256_12(cookie names, sorted)
//   d = sha256_12(cookie name=value pairs, sorted by name)
// Empty lists hash to 000000000000 (JA4+ general rule).
import { createHash } from 'node:crypto'

export interface Ja4hInput {
  method: string
  /** 'HTTP/1.0', 'HTTP/1.1', '2', ... */
  version: string
  /** Header names and values in wire order. */
  headers: readonly (readonly [string, string])[]
}

export interface Ja4hResult {
  ja4h: string
  /** Raw (unhashed) form, sorted cookies. */
  ja4h_r: string
}

const ZERO = '000000000000'

function sha12(values: readonly string[]): string {
  if (values.length === 0) return ZERO
  return createHash('sha256').update(values.join(','), 'utf8').digest('hex').slice(0, 12)
}

function versionCode(v: string): string {
  const s = v.replace(/^HTTP\//i, '')
  if (s === '1.0') return '10'
  if (s === '1.1') return '11'
  if (s === '2' || s === '2.0') return '20'
  if (s === '3' || s === '3.0') return '30'
  return '00'
}

function language(value: string | undefined): string {
  if (value === undefined) return '0000'
  const first = value.replace(/-/g, '').replace(/;/g, ',').toLowerCase().split(',')[0] ?? ''
  return first.slice(0, 4).padEnd(4, '0')
}

export function ja4h(input: Ja4hInput): Ja4hResult {
  const method = input.method.toLowerCase().slice(0, 2).padEnd(2, '0')
  let cookieHeader: string | undefined
  let referer = false
  let lang: string | undefined
  const names: string[] = []
  for (const [name, value] of input.headers) {
    const lower = name.toLowerCase()
    if (lower.startsWith(':')) continue
    if (lower === 'cookie') {
      cookieHeader = cookieHeader === undefined ? value : `${cookieHeader}; ${value}`
      continue
    }
    if (lower === 'referer') {
      referer = true
      continue
    }
    if (lower === 'accept-language' && lang === undefined) lang = value
    names.push(name)
  }
  const pairs = cookieHeader === undefined
    ? []
    : cookieHeader.split(';').map((p) => p.trim()).filter((p) => p !== '').map((p) => [p.split('=', 1)[0]?.trim() ?? '', p] as const)
  const sorted = [...pairs].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
  const cookieNames = sorted.map(([n]) => n)
  const cookiePairs = sorted.map(([, p]) => p)
  const a = `${method}${versionCode(input.version)}${cookieHeader !== undefined ? 'c' : 'n'}${referer ? 'r' : 'n'}` +
    `${String(Math.min(names.length, 99)).padStart(2, '0')}${language(lang)}`
  return {
    ja4h: `${a}_${sha12(names)}_${sha12(cookieNames)}_${sha12(cookiePairs)}`,
    ja4h_r: `${a}_${names.join(',')}_${cookieNames.join(',')}_${cookiePairs.join(',')}`,
  }
}
