// Plain aligned tables for people; commands offer --json for pipes.
// Every cell goes through termSafe: no caller can print a raw control byte.
import { termSafe } from './sanitize.js'

export function formatTable(headers: string[], rows: string[][]): string {
  const safe = rows.map((r) => r.map((c) => termSafe(c)))
  const heads = headers.map((h) => termSafe(h))
  const widths = heads.map((h, i) => Math.max(h.length, ...safe.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()
  return [line(heads), line(widths.map((w) => '-'.repeat(w))), ...safe.map(line)].join('\n') + '\n'
}

export function printTable(headers: string[], rows: string[][]): void {
  process.stdout.write(formatTable(headers, rows))
}
