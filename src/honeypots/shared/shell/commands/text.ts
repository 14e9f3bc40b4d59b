// echo, printf and the filters bots pipe through (grep, wc, sort, base64 ...).
import { FS_ERROR_TEXT } from '../fs.js'
import type { CmdContext, CommandFn } from '../types.js'
import { abs, flags } from './files.js'
import { grepMatch, type GrepMode } from '../regex.js'

function unescape(s: string): string {
  return s.replace(/\\(n|t|r|\\|a|e|0[0-7]{0,3}|x[0-9a-fA-F]{1,2}|c)/g, (_m, e: string) => {
    if (e === 'n') return '\n'
    if (e === 't') return '\t'
    if (e === 'r') return '\r'
    if (e === '\\') return '\\'
    if (e === 'a') return '\x07'
    if (e === 'e') return '\x1b'
    if (e === 'c') return ''
    if (e.startsWith('x')) return String.fromCharCode(parseInt(e.slice(1), 16))
    return String.fromCharCode(parseInt(e.slice(1) || '0', 8))
  })
}

const echo: CommandFn = (c) => {
  let i = 1
  let newline = true
  let esc = false
  for (; i < c.argv.length && /^-[neE]+$/.test(c.argv[i] as string); i++) {
    const f = c.argv[i] as string
    if (f.includes('n')) newline = false
    if (f.includes('e')) esc = true
    if (f.includes('E')) esc = false
  }
  const text = c.argv.slice(i).join(' ')
  c.out((esc ? unescape(text) : text) + (newline ? '\n' : ''))
  return 0
}

const printf: CommandFn = (c) => {
  const fmt = c.argv[1]
  if (fmt === undefined) {
    c.err('printf: usage: printf [-v var] format [arguments]\n')
    return 2
  }
  const args = c.argv.slice(2)
  let k = 0
  const once = () =>
    unescape(fmt).replace(/%(-?\d*)([sdxbc%])/g, (_m, w: string, t: string) => {
      if (t === '%') return '%'
      const a = args[k++] ?? ''
      let v = t === 'd' ? String(parseInt(a, 10) || 0) : t === 'x' ? (parseInt(a, 10) || 0).toString(16) : t === 'b' ? unescape(a) : t === 'c' ? a.slice(0, 1) : a
      const width = parseInt(w, 10)
      if (width) v = width < 0 ? v.padEnd(-width) : v.padStart(width)
      return v
    })
  let out = once()
  while (k > 0 && k < args.length) out += once()
  c.out(out)
  return 0
}

function inputs(c: CmdContext, files: string[], cmd: string): string[] | undefined {
  if (!files.length) return [c.stdin]
  const out: string[] = []
  for (const f of files) {
    if (f === '-') {
      out.push(c.stdin)
      continue
    }
    const d = c.sh.fs.readFile(abs(c, f), c.sh.user)
    if (typeof d === 'string') {
      c.err(`${cmd}: ${f}: ${FS_ERROR_TEXT[d]}\n`)
      return undefined
    }
    out.push(d.toString('utf8'))
  }
  return out
}

const lines = (t: string) => {
  const l = t.split('\n')
  if (l[l.length - 1] === '') l.pop()
  return l
}

const grep: CommandFn = async (c) => {
  const { opts, args } = flags(c.argv.filter((a) => a !== '--color=auto'))
  const pattern = args.shift()
  if (pattern === undefined) {
    c.err("Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n")
    return 2
  }
  const texts = inputs(c, args, 'grep')
  if (!texts) return 2
  const all = texts.flatMap(lines)
  const mode: GrepMode = opts.has('F') ? 'fixed' : opts.has('E') || c.argv[0] === 'egrep' ? 'extended' : 'basic'
  // the pattern runs off the main thread (regex.ts); a bad one is matched as text
  let r = await grepMatch(pattern, mode, all, opts.has('i'))
  if (!r.ok && r.reason === 'syntax') r = await grepMatch(pattern, 'fixed', all, opts.has('i'))
  if (!r.ok) {
    c.err('grep: memory exhausted\n')
    return 2
  }
  const { hits: matched } = r
  const hits = all.filter((_l, i) => matched[i] !== opts.has('v'))
  if (opts.has('c')) c.out(`${hits.length}\n`)
  else if (!opts.has('q') && hits.length) c.out(hits.join('\n') + '\n')
  return hits.length ? 0 : 1
}

/** seq [FIRST [INCR]] LAST, integers only; at most 100 000 numbers. */
const seq: CommandFn = (c) => {
  const nums = c.argv.slice(1).map((a) => (/^-?\d+$/.test(a) ? parseInt(a, 10) : NaN))
  const bad = c.argv.slice(1).find((_a, i) => Number.isNaN(nums[i]))
  if (bad !== undefined || nums.length === 0 || nums.length > 3) {
    c.err(bad !== undefined ? `seq: invalid floating point argument: '${bad}'\n` : 'seq: missing operand\n')
    return 1
  }
  const [first, incr, last] = nums.length === 1 ? [1, 1, nums[0] as number] : nums.length === 2 ? [nums[0] as number, 1, nums[1] as number] : (nums as [number, number, number])
  if (incr === 0) {
    c.err("seq: invalid Zero increment value: '0'\n")
    return 1
  }
  const out: string[] = []
  for (let v = first; (incr > 0 ? v <= last : v >= last) && out.length < 100_000; v += incr) out.push(String(v))
  if (out.length) c.out(out.join('\n') + '\n')
  return 0
}

const wc: CommandFn = (c) => {
  const { opts, args } = flags(c.argv)
  const texts = inputs(c, args, 'wc')
  if (!texts) return 1
  const t = texts.join('')
  const l = (t.match(/\n/g) ?? []).length
  const w = t.split(/\s+/).filter(Boolean).length
  const b = Buffer.byteLength(t)
  const parts: number[] = []
  if (opts.has('l')) parts.push(l)
  if (opts.has('w')) parts.push(w)
  if (opts.has('c') || opts.has('m')) parts.push(b)
  const vals = parts.length ? parts : [l, w, b]
  const s = vals.length === 1 ? String(vals[0]) : vals.map((v) => String(v).padStart(7)).join(' ')
  c.out(s + (args.length ? ` ${args.join(' ')}` : '') + '\n')
  return 0
}

const sort: CommandFn = (c) => {
  const { opts, args } = flags(c.argv)
  const texts = inputs(c, args, 'sort')
  if (!texts) return 2
  let l = texts.flatMap(lines).sort()
  if (opts.has('n')) l = l.sort((a, b) => parseFloat(a) - parseFloat(b))
  if (opts.has('r')) l.reverse()
  if (opts.has('u')) l = [...new Set(l)]
  if (l.length) c.out(l.join('\n') + '\n')
  return 0
}

const uniq: CommandFn = (c) => {
  const texts = inputs(c, flags(c.argv).args, 'uniq')
  if (!texts) return 1
  const out = texts.flatMap(lines).filter((x, i, a) => i === 0 || a[i - 1] !== x)
  if (out.length) c.out(out.join('\n') + '\n')
  return 0
}

const base64: CommandFn = (c) => {
  const { opts, args } = flags(c.argv)
  const texts = inputs(c, args, 'base64')
  if (!texts) return 1
  const t = texts.join('')
  if (opts.has('d') || opts.has('--decode')) c.out(Buffer.from(t.replace(/\s+/g, ''), 'base64').toString('latin1'))
  else c.out((Buffer.from(t).toString('base64').match(/.{1,76}/g) ?? []).join('\n') + '\n')
  return 0
}

export const TEXT_COMMANDS: Record<string, CommandFn> = {
  echo, printf, grep, egrep: grep, seq, wc, sort, uniq, base64,
  true: () => 0,
  false: () => 1,
  ':': () => 0,
  clear: (c) => {
    c.out('\x1b[H\x1b[2J\x1b[3J')
    return 0
  },
  sleep: () => 0,
  tr: (c) => {
    const [, from = '', to = ''] = c.argv
    if (from === '-d') {
      c.out([...c.stdin].filter((ch) => !to.includes(ch)).join(''))
      return 0
    }
    c.out([...c.stdin].map((ch) => (from.includes(ch) ? (to[Math.min(from.indexOf(ch), to.length - 1)] ?? '') : ch)).join(''))
    return 0
  },
  cut: (c) => {
    let d = '\t'
    let f = 1
    for (let i = 1; i < c.argv.length; i++) {
      const a = c.argv[i] as string
      if (a === '-d') d = c.argv[++i] ?? d
      else if (a.startsWith('-d')) d = a.slice(2)
      else if (a === '-f') f = parseInt(c.argv[++i] ?? '1', 10)
      else if (a.startsWith('-f')) f = parseInt(a.slice(2), 10)
    }
    const out = lines(c.stdin).map((l) => l.split(d)[f - 1] ?? '')
    if (out.length) c.out(out.join('\n') + '\n')
    return 0
  },
}
