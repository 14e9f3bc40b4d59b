// if/elif/else/fi, for/in/do/done, while/until/do/done over the list items of
// splitList (which already cut at ; and newlines). Loops are bounded: a
// `while true` in a dropper script ends after MAX_ITERATIONS instead of
// spinning in the emulator.
import type { ListItem, ListOp } from './parser.js'

export const COMPOUND_LIMITS = Object.freeze({
  maxIterations: 64,
  maxDepth: 16,
})

export type Node =
  | { kind: 'simple'; pipeline: string[]; op: ListOp }
  | { kind: 'if'; branches: { cond: Node[]; body: Node[] }[]; otherwise?: Node[]; op: ListOp }
  | { kind: 'for'; name: string; words: string; body: Node[]; op: ListOp }
  | { kind: 'while'; until: boolean; cond: Node[]; body: Node[]; op: ListOp }

const KEYWORD = /^(if|then|elif|else|fi|for|while|until|do|done)(?=\s|$)/

/** First word of an item if it is a reserved word, and the rest of the item's text. */
function keyword(item: ListItem): { kw: string; rest: string } | undefined {
  // `done | wc -l`: the keyword ends the loop; the pipe after it is not emulated
  const text = (item.pipeline[0] ?? '').trim()
  const m = KEYWORD.exec(text)
  return m ? { kw: m[1] as string, rest: text.slice(m[0].length).trim() } : undefined
}

class Reader {
  i = 0
  constructor(readonly items: ListItem[]) {}
  peek(): ListItem | undefined {
    return this.items[this.i]
  }
}

/** Parses items into nodes; undefined on a syntax error (missing fi/done ...). */
export function parseCompound(items: ListItem[]): Node[] | undefined {
  const r = new Reader(items)
  const nodes = parseUntil(r, new Set(), 0)
  if (!nodes || r.i < items.length) return undefined
  return nodes
}

/** Parses nodes until an item starting with one of `stops` (left unconsumed). */
function parseUntil(r: Reader, stops: Set<string>, depth: number): Node[] | undefined {
  if (depth > COMPOUND_LIMITS.maxDepth) return undefined
  const out: Node[] = []
  for (;;) {
    const item = r.peek()
    if (!item) return stops.size === 0 ? out : undefined
    const k = keyword(item)
    if (k && stops.has(k.kw)) return out
    if (!k) {
      r.i++
      out.push({ kind: 'simple', pipeline: item.pipeline, op: item.op })
      continue
    }
    const node = parseKeyword(r, k, depth)
    if (!node) return undefined
    out.push(node)
  }
}

/** Replaces the current item by the text after its keyword (or drops it when empty). */
function consumeKeyword(r: Reader, rest: string): void {
  const item = r.items[r.i] as ListItem
  if (rest) r.items[r.i] = { pipeline: [rest], op: item.op }
  else r.i++
}

function expect(r: Reader, kw: string): string | undefined {
  const item = r.peek()
  const k = item && keyword(item)
  if (!k || k.kw !== kw) return undefined
  return k.rest
}

function parseKeyword(r: Reader, k: { kw: string; rest: string }, depth: number): Node | undefined {
  if (k.kw === 'if') {
    const branches: { cond: Node[]; body: Node[] }[] = []
    let otherwise: Node[] | undefined
    consumeKeyword(r, k.rest)
    for (;;) {
      const cond = parseUntil(r, new Set(['then']), depth + 1)
      const thenRest = cond && expect(r, 'then')
      if (!cond || thenRest === undefined) return undefined
      consumeKeyword(r, thenRest)
      const body = parseUntil(r, new Set(['elif', 'else', 'fi']), depth + 1)
      if (!body) return undefined
      branches.push({ cond, body })
      const next = keyword(r.peek() as ListItem) as { kw: string; rest: string }
      if (next.kw === 'elif') {
        consumeKeyword(r, next.rest)
        continue
      }
      if (next.kw === 'else') {
        consumeKeyword(r, next.rest)
        otherwise = parseUntil(r, new Set(['fi']), depth + 1)
        if (!otherwise) return undefined
      }
      break
    }
    const fi = r.peek() as ListItem
    if (expect(r, 'fi') !== '') return undefined
    r.i++
    return { kind: 'if', branches, otherwise, op: fi.op }
  }
  if (k.kw === 'for') {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\s+in\s+([\s\S]*))?$/.exec(k.rest)
    if (!m) return undefined
    r.i++
    const loop = parseLoopBody(r, depth)
    if (!loop) return undefined
    return { kind: 'for', name: m[1] as string, words: m[2] ?? '"$@"', body: loop.body, op: loop.op }
  }
  if (k.kw === 'while' || k.kw === 'until') {
    consumeKeyword(r, k.rest)
    const cond = parseUntil(r, new Set(['do']), depth + 1)
    if (!cond) return undefined
    const loop = parseLoopBody(r, depth)
    if (!loop) return undefined
    return { kind: 'while', until: k.kw === 'until', cond, body: loop.body, op: loop.op }
  }
  return undefined // then/elif/else/fi/do/done out of place
}

function parseLoopBody(r: Reader, depth: number): { body: Node[]; op: ListOp } | undefined {
  const doRest = expect(r, 'do')
  if (doRest === undefined) return undefined
  consumeKeyword(r, doRest)
  const body = parseUntil(r, new Set(['done']), depth + 1)
  const done = r.peek()
  if (!body || !done || expect(r, 'done') !== '') return undefined
  r.i++
  return { body, op: done.op }
}

/** True when the line uses a reserved word somewhere (cheap pre-check). */
export function hasCompound(items: ListItem[]): boolean {
  return items.some((it) => keyword(it) !== undefined)
}
