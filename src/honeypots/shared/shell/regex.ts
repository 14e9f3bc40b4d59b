// Attacker regular expressions (grep, egrep) never run on the main thread.
//
// Why this design: a pattern such as `(a+)+$` makes a backtracking engine
// (V8's RegExp) take exponential time, and the main thread is shared by every
// service of every decky. Rejecting "dangerous" patterns by shape is a
// blacklist that misses cases, so we use two independent guards instead:
//  1. a linear-time engine: re2js (a pure-JavaScript port of RE2, no native
//     build, no download; pinned in package.json). It has no backtracking at
//     all, so there is no catastrophic case; backreferences are not accepted
//     (a syntax error, which grep then reports).
//  2. linear is still not cheap: a 250-character pattern with counted repeats
//     compiles to thousands of NFA states and can take ~1 s on one 4 KiB line.
//     So matching runs in one worker thread, one job at a time, with a hard
//     deadline: past it the worker is terminated (and recreated on the next
//     job) and grep reports `memory exhausted`. The main thread only awaits a
//     message, so other connections never wait on an attacker's pattern.
// Plain words (the `grep "model name"` that bots type) and -F patterns skip
// the worker: String.includes is linear with a tiny constant.
import { Worker } from 'node:worker_threads'
import { createRequire } from 'node:module'

export const REGEX_LIMITS = Object.freeze({
  /** Pattern length kept (grep's own limit is far higher; bots send short ones). */
  maxPatternChars: 1024,
  /** Text handed to one match job; lines past it are not searched. */
  maxInputChars: 4 * 1024 * 1024,
  /** A job that takes longer is killed with its worker. */
  deadlineMs: 1000,
  /** Jobs waiting for the worker; more are refused at once. */
  maxQueued: 64,
})

export type GrepMode = 'basic' | 'extended' | 'fixed'

export type MatchResult = { ok: true; hits: boolean[] } | { ok: false; reason: 'syntax' | 'timeout' | 'busy'; message?: string }

/** POSIX basic RE (grep's default) → RE2 syntax: `\( \) \{ \} \| \+ \?` are operators, their bare forms literals. */
export function basicToRe2(p: string): string {
  let out = ''
  let inBracket = false
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string
    if (inBracket) {
      out += c === '\\' ? '\\\\' : c
      // `]` right after `[` or `[^` is a member, not the end
      if (c === ']' && !/\[\^?$/.test(out.slice(0, -1))) inBracket = false
      continue
    }
    if (c === '[') {
      inBracket = true
      out += c
      continue
    }
    if (c === '\\' && i + 1 < p.length) {
      const n = p[++i] as string
      if ('(){}|+?'.includes(n)) out += n
      else if (n === '<' || n === '>') out += '\\b'
      else out += '\\' + n
      continue
    }
    if ('(){}|+?'.includes(c)) out += '\\' + c
    // `*` at the start of the pattern or of a group is a literal star
    else if (c === '*' && (out === '' || out === '^' || /[(|]$/.test(out))) out += '\\*'
    else out += c
  }
  return out
}

function extendedToRe2(p: string): string {
  return p.replace(/\\([<>])/g, '\\b')
}

const META = /[\\^$.[\]|()*+?{}]/

function literalMatch(needle: string, lines: string[], ci: boolean): boolean[] {
  const n = ci ? needle.toLowerCase() : needle
  return lines.map((l) => (ci ? l.toLowerCase() : l).includes(n))
}

/**
 * Which of `lines` match `pattern` as grep would (`ci` = -i). Plain patterns
 * are matched here; the rest in the regex worker, under its deadline.
 */
export async function grepMatch(pattern: string, mode: GrepMode, lines: string[], ci: boolean): Promise<MatchResult> {
  const pat = pattern.slice(0, REGEX_LIMITS.maxPatternChars)
  let total = 0
  let keep = lines.length
  for (let i = 0; i < lines.length; i++) {
    total += (lines[i] as string).length + 1
    if (total > REGEX_LIMITS.maxInputChars) {
      keep = i
      break
    }
  }
  const input = keep < lines.length ? lines.slice(0, keep) : lines
  const pad = (hits: boolean[]) => (keep < lines.length ? hits.concat(new Array<boolean>(lines.length - keep).fill(false)) : hits)
  if (mode === 'fixed' || !META.test(pat)) return { ok: true, hits: pad(literalMatch(pat, input, ci)) }
  const src = mode === 'basic' ? basicToRe2(pat) : extendedToRe2(pat)
  const r = await regexPool.run({ src, ci, lines: input })
  return r.ok ? { ok: true, hits: pad(r.hits) } : r
}

// The worker is CommonJS evaluated from a string, so it needs no file of its
// own next to this module (tsx in tests, dist/ in production).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { RE2JS } = require(workerData.re2js)
parentPort.on('message', (job) => {
  let re
  try {
    re = RE2JS.compile(job.src, job.ci ? RE2JS.CASE_INSENSITIVE : 0)
  } catch (e) {
    parentPort.postMessage({ id: job.id, error: String(e && e.message || e) })
    return
  }
  const hits = new Uint8Array(job.lines.length)
  for (let i = 0; i < job.lines.length; i++) hits[i] = re.matcher(job.lines[i]).find() ? 1 : 0
  parentPort.postMessage({ id: job.id, hits })
})
`

interface Job {
  id: number
  src: string
  ci: boolean
  lines: string[]
  resolve(r: MatchResult): void
}

interface Reply {
  id: number
  hits?: Uint8Array
  error?: string
}

/** One worker, one job at a time, a deadline per job. Exported for tests. */
export class RegexPool {
  #worker: Worker | undefined
  #queue: Job[] = []
  #current: { job: Job; timer: NodeJS.Timeout } | undefined
  #nextId = 1
  #re2js: string

  constructor(readonly deadlineMs = REGEX_LIMITS.deadlineMs) {
    this.#re2js = createRequire(import.meta.url).resolve('re2js')
  }

  run(o: { src: string; ci: boolean; lines: string[] }): Promise<MatchResult> {
    if (this.#queue.length >= REGEX_LIMITS.maxQueued) return Promise.resolve({ ok: false, reason: 'busy' })
    return new Promise((resolve) => {
      this.#queue.push({ id: this.#nextId++, ...o, resolve })
      this.#pump()
    })
  }

  #spawn(): Worker {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { re2js: this.#re2js }, resourceLimits: { maxOldGenerationSizeMb: 256 } })
    w.on('message', (m: Reply) => this.#reply(m))
    w.on('error', () => this.#fail(w, 'timeout'))
    w.on('exit', () => this.#fail(w, 'timeout'))
    // after the listeners (adding one refs the worker again): an idle worker
    // does not keep the process alive; a running job's deadline timer does
    w.unref()
    return w
  }

  #pump(): void {
    if (this.#current) return
    const job = this.#queue.shift()
    if (!job) return
    this.#worker ??= this.#spawn()
    const w = this.#worker
    const timer = setTimeout(() => {
      // the pattern is too slow: kill the worker with it
      this.#fail(w, 'timeout')
      void w.terminate()
    }, this.deadlineMs)
    this.#current = { job, timer }
    w.postMessage({ id: job.id, src: job.src, ci: job.ci, lines: job.lines })
  }

  #reply(m: Reply): void {
    const cur = this.#current
    if (!cur || cur.job.id !== m.id) return
    clearTimeout(cur.timer)
    this.#current = undefined
    if (m.error !== undefined) cur.job.resolve({ ok: false, reason: 'syntax', message: m.error })
    else cur.job.resolve({ ok: true, hits: Array.from(m.hits ?? [], (h) => h === 1) })
    this.#pump()
  }

  /** The worker died or overran: fail its job, forget it, go on with a new one. */
  #fail(w: Worker, reason: 'timeout'): void {
    if (this.#worker !== w) return
    this.#worker = undefined
    const cur = this.#current
    this.#current = undefined
    if (cur) {
      clearTimeout(cur.timer)
      cur.job.resolve({ ok: false, reason })
    }
    this.#pump()
  }
}

const regexPool = new RegexPool()
