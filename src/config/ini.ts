// An INI reader with Python configparser semantics (what DECNET's fleet INI
// files are written for), by hand: npm INI parsers split `[decky-01.ssh]` into
// nested objects and treat `;` inside values as a comment.
//
// Kept from configparser (ConfigParser, strict=True, default options):
//  - `=` and `:` delimiters, the first of either on the line splits key/value;
//  - option names lower-cased and right-trimmed, section names case-sensitive;
//  - full-line comments start with `#` or `;` (after optional indentation);
//    there are NO inline comments: `pass = a;b # c` has the value `a;b # c`;
//  - a line indented deeper than its option line continues the value (joined
//    with "\n"); empty lines inside a multi-line value are kept, trailing
//    whitespace of the joined value is dropped; a comment line does not end it;
//  - an indented line right after an option is a continuation even if it looks
//    like `[section]` (configparser checks continuation first);
//  - `[DEFAULT]` keys are inherited by every section (a section's own key wins);
//  - the section header is the text between the first `[` and the last `]`;
//  - duplicate section or duplicate option in one section is an error.
// Changed on purpose:
//  - Interpolation (BasicInterpolation) only for `%(name)s` (looked up in the
//    section, then [DEFAULT], recursively, max depth 10) and `%%` (a literal
//    `%`). Any other `%` is kept literally, so `password = 100%secure` loads
//    (configparser rejects it: DECNET's "a % in a password breaks parsing").
//    `%(name)s` naming an option that does not exist is still an error.
//  - Values are interpolated when the file is read, so every error surfaces at
//    load time with its line, not later when a key is first used.
//  - CRLF and lone CR are normalised to LF; a leading UTF-8 BOM is dropped.
//  - Input over MAX_INI_BYTES is refused; the first problem is reported (one
//    line `<file>:<line>: [section] key: problem`), not a list at the end.
import { readFileSync, statSync } from 'node:fs'
import { ConfigError, where, type ErrorCode } from '../errors.js'

export const MAX_INI_BYTES = 512 * 1024
/** configparser's MAX_INTERPOLATION_DEPTH. */
export const MAX_INTERPOLATION_DEPTH = 10
export const DEFAULT_SECTION = 'DEFAULT'
/** Longest excerpt of a bad line quoted in an error. */
const MAX_QUOTE = 60

export interface IniValue {
  /** Interpolated, continuation lines joined with "\n". */
  value: string
  /** 1-based line of the `key = value` line. */
  line: number
  /** True when the key came from [DEFAULT] and the section does not set it. */
  inherited: boolean
}

export interface IniSection {
  name: string
  /** Line of the `[name]` header. */
  line: number
  /** Own keys in file order, then inherited [DEFAULT] keys the section does not set. */
  values: Map<string, IniValue>
}

export interface IniDocument {
  file: string
  /** Sections in file order, [DEFAULT] excluded. */
  sections: IniSection[]
  /** The [DEFAULT] keys, raw (not interpolated: they are interpolated per section). */
  defaults: Map<string, IniValue>
}

/** A ConfigError whose one-line message names file, line, section and key. */
export function iniError(code: ErrorCode, file: string, line: number | undefined, section: string | undefined, key: string | undefined, problem: string): ConfigError {
  const place = line === undefined ? file : `${file}:${line}`
  return new ConfigError(code, oneLine(`${where(place, section, key)} ${problem}`))
}

/** Control characters and line separators escaped, so a message stays one line. */
export function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** JSON-quoted and cut, so an error stays one printable line. */
export function quote(s: string): string {
  const cut = s.length > MAX_QUOTE ? `${s.slice(0, MAX_QUOTE)}…` : s
  return JSON.stringify(cut)
}

interface RawOption {
  lines: string[]
  line: number
}
interface RawSection {
  name: string
  line: number
  options: Map<string, RawOption>
}

const isBlank = (c: string | undefined): boolean => c !== undefined && c.trim() === '' && c !== ''

function indentOf(line: string): number {
  let i = 0
  while (i < line.length && isBlank(line[i])) i++
  return i
}

/** Parse INI text. `file` is only used in error messages. */
export function parseIni(text: string, file = '<string>'): IniDocument {
  if (Buffer.byteLength(text, 'utf8') > MAX_INI_BYTES) {
    throw iniError('CONFIG_FILE', file, undefined, undefined, undefined, `INI content is too large (max ${MAX_INI_BYTES / 1024} KiB)`)
  }
  const lines = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n')
  const defaults: RawSection = { name: DEFAULT_SECTION, line: 0, options: new Map() }
  const sections = new Map<string, RawSection>()
  let cur: RawSection | undefined
  let opt: RawOption | undefined
  let indentLevel = 0

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string
    const lineNo = i + 1
    const value = raw.trim()
    const isComment = value.startsWith('#') || value.startsWith(';')
    if (value === '' || isComment) {
      // configparser: an empty (not comment) line inside a value is kept
      if (value === '' && cur && opt) opt.lines.push('')
      continue
    }
    const indent = indentOf(raw)
    if (cur && opt && indent > indentLevel) {
      opt.lines.push(value)
      continue
    }
    indentLevel = indent
    const header = sectionHeader(value)
    if (header !== undefined) {
      opt = undefined
      if (header === DEFAULT_SECTION) {
        cur = defaults
        if (defaults.line === 0) defaults.line = lineNo
        continue
      }
      const prev = sections.get(header)
      if (prev) throw iniError('CONFIG_DUPLICATE', file, lineNo, header, undefined, `duplicate section (first at line ${prev.line})`)
      cur = { name: header, line: lineNo, options: new Map() }
      sections.set(header, cur)
      continue
    }
    if (!cur) {
      throw iniError('CONFIG_SECTION_INVALID', file, lineNo, undefined, undefined, `line before any [section] header: ${quote(value)}`)
    }
    const delim = value.search(/[=:]/)
    if (delim < 0) {
      throw iniError('CONFIG_INVALID', file, lineNo, cur.name, undefined, `expected 'key = value', '[section]' or a comment, got ${quote(value)}`)
    }
    const key = value.slice(0, delim).trimEnd().toLowerCase()
    if (key === '') throw iniError('CONFIG_INVALID', file, lineNo, cur.name, undefined, `empty option name in ${quote(value)}`)
    const prev = cur.options.get(key)
    if (prev) throw iniError('CONFIG_DUPLICATE', file, lineNo, cur.name, key, `duplicate option (first at line ${prev.line})`)
    opt = { lines: [value.slice(delim + 1).trim()], line: lineNo }
    cur.options.set(key, opt)
  }

  const joined = (o: RawOption): string => o.lines.join('\n').trimEnd()
  const defaultRaw = new Map([...defaults.options].map(([k, o]) => [k, { value: joined(o), line: o.line }]))
  const out: IniSection[] = []
  for (const s of sections.values()) {
    const merged = new Map<string, { value: string; line: number; inherited: boolean }>()
    for (const [k, o] of s.options) merged.set(k, { value: joined(o), line: o.line, inherited: false })
    for (const [k, v] of defaultRaw) if (!merged.has(k)) merged.set(k, { ...v, inherited: true })
    out.push({ name: s.name, line: s.line, values: interpolateAll(merged, file, s.name) })
  }
  const defaultsOut = new Map([...defaultRaw].map(([k, v]) => [k, { ...v, inherited: false }]))
  return { file, sections: out, defaults: defaultsOut }
}

/** `[name]` → name (first `[` to last `]`, like configparser's SECTCRE); else undefined. */
function sectionHeader(value: string): string | undefined {
  if (!value.startsWith('[')) return undefined
  const end = value.lastIndexOf(']')
  if (end < 2) return undefined
  return value.slice(1, end)
}

function interpolateAll(map: Map<string, IniValue>, file: string, section: string): Map<string, IniValue> {
  const out = new Map<string, IniValue>()
  for (const [k, v] of map) {
    const at = (problem: string) => iniError('CONFIG_INTERPOLATION', file, v.line, section, k, problem)
    out.set(k, { ...v, value: interpolate(v.value, map, 1, at) })
  }
  return out
}

const REF = /%\(([^)]+)\)s/y

function interpolate(value: string, map: Map<string, IniValue>, depth: number, at: (p: string) => ConfigError): string {
  if (!value.includes('%')) return value
  if (depth > MAX_INTERPOLATION_DEPTH) throw at(`interpolation deeper than ${MAX_INTERPOLATION_DEPTH} levels (a %(name)s loop?)`)
  let out = ''
  let i = 0
  while (i < value.length) {
    const p = value.indexOf('%', i)
    if (p < 0) {
      out += value.slice(i)
      break
    }
    out += value.slice(i, p)
    if (value[p + 1] === '%') {
      out += '%'
      i = p + 2
      continue
    }
    REF.lastIndex = p
    const m = REF.exec(value)
    if (!m) {
      out += '%' // a lone % is kept literally (configparser would refuse it)
      i = p + 1
      continue
    }
    const name = (m[1] as string).toLowerCase()
    const ref = map.get(name)
    if (!ref) throw at(`%(${m[1]})s refers to an option that does not exist in this section or [DEFAULT]`)
    out += interpolate(ref.value, map, depth + 1, at)
    if (out.length > MAX_INI_BYTES) throw at(`interpolated value longer than ${MAX_INI_BYTES / 1024} KiB`)
    i = p + m[0].length
  }
  return out
}

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
}

/** Why a file could not be read, in words. */
function readError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code
  return code && READ_ERRORS[code] ? READ_ERRORS[code] : `cannot read: ${code ?? String(e)}`
}

/** Read and parse an INI file; size is checked before reading. */
export function readIniFile(path: string): IniDocument {
  let size: number
  try {
    size = statSync(path).size
  } catch (e) {
    throw iniError('CONFIG_FILE', path, undefined, undefined, undefined, readError(e))
  }
  if (size > MAX_INI_BYTES) {
    throw iniError('CONFIG_FILE', path, undefined, undefined, undefined, `INI content is too large (max ${MAX_INI_BYTES / 1024} KiB)`)
  }
  let bytes: Buffer
  try {
    bytes = readFileSync(path)
  } catch (e) {
    throw iniError('CONFIG_FILE', path, undefined, undefined, undefined, readError(e))
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw iniError('CONFIG_FILE', path, undefined, undefined, undefined, 'not valid UTF-8')
  }
  return parseIni(text, path)
}
