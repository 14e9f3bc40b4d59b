// decnet logs: the events table, newest last; -f keeps polling for new rows.
import type { Command } from 'commander'
import { UserError } from '../../errors.js'
import { openStore, type EventQuery, type Store } from '../../store/index.js'
import { eventRecord, parseSince, peerText, safeText, shortTime, summarize } from '../../store/views.js'
import { jsonSafe } from '../sanitize.js'
import { formatTable } from '../table.js'

export const FOLLOW_POLL_MS = 500
const DEFAULT_LIMIT = 50

export interface LogsOptions {
  follow?: boolean
  decky?: string
  service?: string
  type?: string
  since?: string
  limit?: string | number
  json?: boolean
  /** Table width (tests); default the terminal's. */
  width?: number
}

type Out = (s: string) => void

function limitOf(v: string | number | undefined): number {
  if (v === undefined) return DEFAULT_LIMIT
  const n = Number(v)
  if (!Number.isInteger(n) || n <= 0) throw new UserError('FLAG_INVALID', `--limit: not a positive integer: "${v}"`)
  return n
}

function render(rows: Awaited<ReturnType<Store['events']>>, json: boolean, header: boolean, width?: number): string {
  if (json) return rows.map((e) => jsonSafe(eventRecord(e)) + '\n').join('')
  const cells = rows.map((e) => [shortTime(e.time), safeText(e.decky, 24), safeText(e.service, 16), safeText(e.type, 24), peerText(e.src_ip, e.src_port), summarize(e)])
  const table = formatTable(['Time (UTC)', 'Decky', 'Service', 'Type', 'Source', 'Summary'], cells, { ...(width !== undefined ? { width } : {}), min: { 5: 30 } })
  return header ? table : table.split('\n').slice(2).join('\n')
}

/** Prints matching events; with follow, keeps printing new ones until the signal aborts. */
export async function runLogs(opts: LogsOptions, out: Out = (s) => process.stdout.write(s), signal?: AbortSignal, store?: Store): Promise<void> {
  const q: EventQuery = { decky: opts.decky, service: opts.service, type: opts.type, limit: limitOf(opts.limit) }
  if (opts.since !== undefined) q.since = parseSince(opts.since)
  const own = store === undefined
  const st = store ?? openStore()
  try {
    const first = await st.events(q)
    if (first.length || opts.json) out(render(first, !!opts.json, true, opts.width))
    else if (!opts.follow) out('no events\n')
    if (!opts.follow) return
    let last = first.at(-1)?.id ?? (await st.events({ limit: 1 })).at(-1)?.id ?? 0
    let header = first.length === 0
    while (!signal?.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, FOLLOW_POLL_MS)
        signal?.addEventListener('abort', () => {
          clearTimeout(timer)
          resolve()
        }, { once: true })
      })
      if (signal?.aborted) break
      const rows = await st.events({ ...q, afterId: last, limit: 10_000 })
      if (!rows.length) continue
      last = rows.at(-1)!.id
      out(render(rows, !!opts.json, header, opts.width))
      header = false
    }
  } finally {
    if (own) await st.close()
  }
}

export function register(program: Command): void {
  program
    .command('logs')
    .description('Show captured events (newest last); -f follows new ones')
    .option('-f, --follow', 'keep printing new events until Ctrl-C')
    .option('--decky <name>', 'only this decky')
    .option('--service <slug>', 'only this service')
    .option('--type <type>', 'only this event type')
    .option('--since <when>', 'only events since a duration ago (10m, 2h, 1d) or an ISO time')
    .option('-n, --limit <n>', `how many recent events (default ${DEFAULT_LIMIT})`)
    .option('--json', 'one JSON object per line')
    .action(async (opts: LogsOptions) => {
      const ac = new AbortController()
      const stop = () => ac.abort()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
      try {
        await runLogs(opts, undefined, ac.signal)
      } finally {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
      }
    })
}
