// Plain aligned tables for people; commands offer --json for pipes.
// Every cell goes through termSafe: no caller can print a raw control byte.
// A table fits the terminal (stdout's width when it is one): the widest
// columns give way first, never below their minimum (the header, or what the
// caller asks for, e.g. the secret's start), a cut cell ends with `…`, and the
// table then ends with a hint line naming --json.
import { termSafe } from './sanitize.js'
import { writeOut } from './terminal.js'

export const CUT_HINT = '(cut to fit; --json shows every field whole)'
const GAP = 2

export interface TableOptions {
  /** Columns available; default the terminal's width when stdout is one, else unlimited. */
  width?: number
  /** Least width per column index (default the header's width, at least 20: times, addresses and names stay whole). */
  min?: Record<number, number>
}

export function terminalWidth(): number {
  return process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : Infinity
}

function fitWidths(natural: number[], heads: string[], width: number, min: Record<number, number>): number[] {
  const w = [...natural]
  const floor = w.map((n, i) => Math.min(n, min[i] ?? Math.max(heads[i]?.length ?? 1, 20)))
  const total = () => w.reduce((a, b) => a + b, 0) + GAP * (w.length - 1)
  // the widest of the other columns give way first; the last one (a summary, a secret: its start is what matters) last
  const last = w.length - 1
  while (total() > width) {
    let at = -1
    for (let i = 0; i < last; i++) if ((w[i] as number) > (floor[i] as number) && (at < 0 || (w[i] as number) > (w[at] as number))) at = i
    if (at < 0 && (w[last] as number) > (floor[last] as number)) at = last
    if (at < 0) break
    w[at] = (w[at] as number) - 1
  }
  return w
}

export function formatTable(headers: string[], rows: string[][], opts: TableOptions = {}): string {
  const safe = rows.map((r) => r.map((c) => termSafe(c)))
  const heads = headers.map((h) => termSafe(h))
  const natural = heads.map((h, i) => Math.max(h.length, ...safe.map((r) => (r[i] ?? '').length)))
  const widths = fitWidths(natural, heads, opts.width ?? terminalWidth(), opts.min ?? {})
  let cut = false
  const fit = (c: string, i: number): string => {
    const w = widths[i] ?? c.length
    if (c.length <= w) return c
    cut = true
    return termSafe(c, w)
  }
  // a cell the view had shortened already (…) is a cut too
  if (safe.some((r) => r.some((c) => c.endsWith('…')))) cut = true
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? fit(c, i) : fit(c, i).padEnd(widths[i] ?? 0))).join(' '.repeat(GAP)).trimEnd()
  const body = [line(heads), line(widths.map((w) => '-'.repeat(w))), ...safe.map(line)].join('\n') + '\n'
  return cut ? body + CUT_HINT + '\n' : body
}

export function printTable(headers: string[], rows: string[][], opts: TableOptions = {}): void {
  writeOut(formatTable(headers, rows, opts))
}
