// IMAP command syntax (RFC 3501 §9): reads one command, literals included,
// and splits it into atoms, strings and lists. Literals are read through
// LineServer.readBytes with a cap checked before anything is allocated.
import { StreamReadError, type Line, type LineServer } from '../shared/line-server.js'

export type Tok = { k: 'atom'; v: string } | { k: 'str'; v: string } | { k: 'list'; v: Tok[] }

export interface Command {
  tag: string
  name: string
  args: Tok[]
}

export interface ReadLimits {
  /** Largest single literal. */
  maxLiteral: number
  /** All lines and literals of one command together. */
  maxCommand: number
  maxLiterals: number
}

export type ReadResult =
  | { ok: true; parts: (string | Buffer)[] }
  | { ok: false; tag: string; size: number; nonSync: boolean }

const LITERAL_AT_END = /\{(\d{1,20})(\+?)\}$/
const MARK = '\uE000'

/** The whole command: its first line, then for each trailing {n} the literal and the next line. */
export async function readCommand(first: Line, srv: LineServer, lim: ReadLimits): Promise<ReadResult> {
  const parts: (string | Buffer)[] = []
  let text = first.text
  let total = first.raw.length
  for (let lits = 0; ; lits++) {
    parts.push(text)
    const m = LITERAL_AT_END.exec(text)
    if (!m) return { ok: true, parts }
    const size = Number(m[1])
    const nonSync = m[2] === '+'
    if (size > lim.maxLiteral || total + size > lim.maxCommand || lits >= lim.maxLiterals) {
      return { ok: false, tag: (parts[0] as string).split(' ')[0] ?? '*', size, nonSync }
    }
    if (!nonSync) srv.writeLine('+ OK')
    const data = await srv.readBytes(size, { max: lim.maxLiteral })
    parts.push(data)
    const next = await srv.readLine()
    text = next.text
    total += size + next.raw.length
  }
}

export class ParseError extends Error {}

/** Tokens of a command read by readCommand. */
export function tokenize(parts: (string | Buffer)[]): Tok[] {
  const lits: string[] = []
  let src = ''
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string | Buffer
    if (typeof p !== 'string') continue
    const clean = p.replaceAll(MARK, '\uFFFD')
    const next = parts[i + 1]
    if (next !== undefined && typeof next !== 'string') {
      src += clean.replace(LITERAL_AT_END, MARK)
      lits.push(next.toString('utf8'))
    } else src += clean
  }
  let pos = 0
  let lit = 0
  const list = (depth: number): Tok[] => {
    if (depth > 16) throw new ParseError('Too deeply nested')
    const out: Tok[] = []
    for (;;) {
      while (src[pos] === ' ') pos++
      const c = src[pos]
      if (c === undefined) {
        if (depth > 0) throw new ParseError('Missing )')
        return out
      }
      if (c === ')') {
        if (depth === 0) throw new ParseError('Unexpected )')
        pos++
        return out
      }
      if (c === '(') {
        pos++
        out.push({ k: 'list', v: list(depth + 1) })
      } else if (c === '"') {
        pos++
        let s = ''
        for (;;) {
          const d = src[pos++]
          if (d === undefined) throw new ParseError('Missing "')
          if (d === '"') break
          if (d === '\\') {
            const e = src[pos++]
            if (e === undefined) throw new ParseError('Missing "')
            s += e
          } else s += d
        }
        out.push({ k: 'str', v: s })
      } else if (c === MARK) {
        pos++
        out.push({ k: 'str', v: lits[lit++] ?? '' })
      } else {
        const start = pos
        let bracket = 0
        while (pos < src.length) {
          const d = src[pos] as string
          if (d === '[') bracket++
          else if (d === ']') bracket = Math.max(0, bracket - 1)
          else if (bracket === 0 && (d === ' ' || d === '(' || d === ')' || d === '"')) break
          pos++
        }
        out.push({ k: 'atom', v: src.slice(start, pos) })
      }
    }
  }
  return list(0)
}

export function isReadError(e: unknown): e is StreamReadError {
  return e instanceof StreamReadError
}

/** An atom or string's text (NIL stays "NIL"). */
export const str = (t: Tok | undefined): string | undefined => (t && t.k !== 'list' ? t.v : undefined)

/** Quoted IMAP string (or NIL). */
export function q(s: string | undefined | null): string {
  if (s === undefined || s === null) return 'NIL'
  return `"${s.replace(/[\\"]/g, (m) => `\\${m}`)}"`
}

/** A sequence set ("1:3,5,7:*") as a membership test; never expands ranges. */
export function seqSet(s: string, max: number): ((n: number) => boolean) | undefined {
  if (!/^(\d+|\*)(:(\d+|\*))?(,(\d+|\*)(:(\d+|\*))?)*$/.test(s)) return undefined
  const ranges = s.split(',').map((r) => {
    const [a = '', b] = r.split(':')
    const x = a === '*' ? max : Number(a)
    const y = b === undefined ? x : b === '*' ? max : Number(b)
    return [Math.min(x, y), Math.max(x, y)] as const
  })
  if (ranges.some(([a]) => a === 0)) return undefined
  return (n) => ranges.some(([a, b]) => n >= a && n <= b)
}
