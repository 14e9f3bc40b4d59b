// Shell syntax, the part bots use: lists (; && || &), pipelines (|), words with
// quotes, escapes, $VAR / ${VAR} / $? expansion, $(...) and `...`
// substitution, simple globs and redirections. Two passes: `splitList` cuts a
// line into pipelines of raw command texts; `expandWords` turns one command
// text into argv + redirects at run time (so `cd x && echo $PWD` sees the new
// value). Everything is bounded; nothing here executes anything.

export const PARSE_LIMITS = Object.freeze({
  maxCommands: 64,
  maxWords: 1024,
  maxWordBytes: 64 * 1024,
  maxSubstDepth: 3,
})

export type ListOp = ';' | '&&' | '||' | '&'

export interface ListItem {
  /** Raw command texts joined by |. */
  pipeline: string[]
  /** Operator that follows this pipeline (';' at the end of the line). */
  op: ListOp
}

export interface Redirect {
  fd: 0 | 1 | 2
  /** '>' truncate, '>>' append, '<' read, '>&' duplicate onto another fd. */
  kind: '>' | '>>' | '<' | '>&'
  target: string
}

export interface Command {
  argv: string[]
  redirects: Redirect[]
  /** Leading NAME=value words. */
  assignments: [string, string][]
}

/** Cuts a line at top-level ; && || & | and newlines; undefined on unbalanced quotes. */
export function splitList(line: string): ListItem[] | undefined {
  const items: ListItem[] = []
  let pipeline: string[] = []
  let cur = ''
  let quote: '' | "'" | '"' | '`' = ''
  let depth = 0
  const flush = (op: ListOp | '|') => {
    pipeline.push(cur.trim())
    cur = ''
    if (op !== '|') {
      if (pipeline.some((c) => c !== '') || items.length === 0) items.push({ pipeline, op })
      pipeline = []
    }
  }
  const plain = /[^\\'"`$()#;\n&|]+/y
  for (let i = 0; i < line.length; i++) {
    plain.lastIndex = i
    const run = quote === '' ? plain.exec(line) : null
    if (run) {
      cur += run[0]
      i += run[0].length - 1
      continue
    }
    const c = line[i] as string
    const next = line[i + 1]
    if (c === '\\' && quote !== "'") {
      cur += c + (next ?? '')
      i++
      continue
    }
    if (quote) {
      if (c === quote) quote = ''
      cur += c
      continue
    }
    if (c === "'" || c === '"' || c === '`') {
      quote = c
      cur += c
      continue
    }
    if (c === '$' && next === '(') {
      depth++
      cur += '$('
      i++
      continue
    }
    if (depth > 0) {
      if (c === '(') depth++
      if (c === ')') depth--
      cur += c
      continue
    }
    if (c === '#' && (cur === '' || /\s$/.test(cur))) {
      // comment: skip to the end of this line (scripts go on after it)
      const nl = line.indexOf('\n', i)
      if (nl < 0) break
      i = nl - 1
      continue
    }
    if (c === ';' || c === '\n') flush(';')
    else if (c === '&' && next === '&') {
      flush('&&')
      i++
    } else if (c === '|' && next === '|') {
      flush('||')
      i++
    } else if (c === '|') flush('|')
    else if (c === '&' && !/[<>]$/.test(cur) && next !== '>') flush('&')
    else cur += c
    if (items.length > PARSE_LIMITS.maxCommands) return undefined
  }
  if (quote || depth > 0) return undefined
  flush(';')
  // drop empty trailing pipelines ("ls;" or a lone ";")
  return items.filter((it) => it.pipeline.some((c) => c !== ''))
}

export interface ExpandEnv {
  vars(name: string): string | undefined
  /** Runs a command substitution, returns its stdout. */
  substitute(cmd: string, depth: number): Promise<string>
  /** Sorted matches of a glob in the fake fs, or [] when nothing matches. */
  glob(pattern: string): string[]
  depth: number
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*/

/** Expands one raw command text into argv + redirects; undefined on a syntax error or a cap. */
export async function expandWords(text: string, env: ExpandEnv): Promise<Command | undefined> {
  const words: { text: string; glob: boolean; quoted: boolean }[] = []
  const redirects: Redirect[] = []
  let word = ''
  let inWord = false
  let glob = false
  let quoted = false
  let pendingRedirect: Omit<Redirect, 'target'> | undefined

  const endWord = () => {
    if (!inWord) return
    if (pendingRedirect) {
      redirects.push({ ...pendingRedirect, target: word })
      pendingRedirect = undefined
    } else words.push({ text: word, glob, quoted })
    word = ''
    inWord = false
    glob = false
    quoted = false
  }

  const dollar = async (i: number): Promise<[string, number] | undefined> => {
    // text[i] === '$'; returns expansion and the index of the last consumed char
    const rest = text.slice(i + 1)
    if (rest.startsWith('(')) {
      let d = 1
      let j = i + 2
      for (; j < text.length && d > 0; j++) {
        if (text[j] === '(') d++
        else if (text[j] === ')') d--
      }
      if (d !== 0) return undefined
      if (env.depth >= PARSE_LIMITS.maxSubstDepth) return ['', j - 1]
      const out = await env.substitute(text.slice(i + 2, j - 1), env.depth + 1)
      return [out.replace(/\n+$/, ''), j - 1]
    }
    if (rest.startsWith('{')) {
      const end = rest.indexOf('}')
      if (end < 0) return undefined
      const name = rest.slice(1, end).replace(/[:#%].*$/, '')
      return [env.vars(name) ?? '', i + 1 + end]
    }
    const special = /^[?$#0-9!@*-]/.exec(rest)
    if (special) return [env.vars(special[0]) ?? '', i + 1]
    const m = NAME_RE.exec(rest)
    if (!m) return ['$', i]
    return [env.vars(m[0]) ?? '', i + m[0].length]
  }

  const plain = /[^\s'"\\$`<>*?&]+/y
  for (let i = 0; i < text.length; i++) {
    if (word.length > PARSE_LIMITS.maxWordBytes || words.length > PARSE_LIMITS.maxWords) return undefined
    plain.lastIndex = i
    const run = plain.exec(text)
    if (run) {
      inWord = true
      word += run[0]
      i += run[0].length - 1
      continue
    }
    const c = text[i] as string
    if (/\s/.test(c)) {
      endWord()
      continue
    }
    if ((c === '>' || c === '<') && (!inWord || /^[012]$/.test(word) || word === '&')) {
      const fdText = inWord ? word : ''
      if (pendingRedirect) return undefined
      word = ''
      inWord = false
      if (c === '<') {
        pendingRedirect = { fd: 0, kind: '<' }
        continue
      }
      const fd = fdText === '2' ? 2 : 1
      if (text[i + 1] === '>') {
        i++
        pendingRedirect = { fd, kind: '>>' }
      } else if (text[i + 1] === '&') {
        const m = /^&([012])/.exec(text.slice(i + 1))
        if (m) {
          redirects.push({ fd, kind: '>&', target: m[1] as string })
          i += 2
          continue
        }
        pendingRedirect = { fd, kind: '>' }
      } else pendingRedirect = { fd, kind: '>' }
      if (fdText === '&') redirects.push({ fd: 2, kind: '>&', target: '1' })
      continue
    }
    inWord = true
    if (c === '\\') {
      word += text[i + 1] ?? ''
      i++
      quoted = true
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1)
      if (end < 0) return undefined
      word += text.slice(i + 1, end)
      i = end
      quoted = true
    } else if (c === '"') {
      quoted = true
      let j = i + 1
      for (; j < text.length && text[j] !== '"'; j++) {
        const d = text[j] as string
        if (d === '\\' && /[$`"\\]/.test(text[j + 1] ?? '')) {
          word += text[j + 1]
          j++
        } else if (d === '$') {
          const r = await dollar(j)
          if (!r) return undefined
          word += r[0]
          j = r[1]
        } else if (d === '`') {
          const end = text.indexOf('`', j + 1)
          if (end < 0) return undefined
          word += (await env.substitute(text.slice(j + 1, end), env.depth + 1)).replace(/\n+$/, '')
          j = end
        } else word += d
      }
      if (j >= text.length) return undefined
      i = j
    } else if (c === '`') {
      const end = text.indexOf('`', i + 1)
      if (end < 0) return undefined
      word += (await env.substitute(text.slice(i + 1, end), env.depth + 1)).replace(/\n+$/, '')
      i = end
    } else if (c === '$') {
      const r = await dollar(i)
      if (!r) return undefined
      // unquoted expansion splits on whitespace
      const parts = r[0].split(/\s+/)
      word += parts[0] ?? ''
      for (const p of parts.slice(1)) {
        endWord()
        inWord = true
        word = p
      }
      if (word === '' && r[0].trim() === '' && !quoted) inWord = false
      i = r[1]
    } else {
      if (c === '*' || c === '?') glob = true
      word += c
    }
  }
  endWord()
  if (pendingRedirect) return undefined

  const argv: string[] = []
  const assignments: [string, string][] = []
  for (const w of words) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(w.text)
    if (argv.length === 0 && m && !w.text.startsWith('=')) {
      assignments.push([m[1] as string, m[2] as string])
      continue
    }
    if (w.glob) {
      const matches = env.glob(w.text)
      if (matches.length > 0) {
        argv.push(...matches)
        continue
      }
    }
    argv.push(w.text)
  }
  return { argv, redirects, assignments }
}

/** fnmatch-style test for * and ? (no brackets). */
export function globMatch(pattern: string, name: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 's')
  return re.test(name)
}
