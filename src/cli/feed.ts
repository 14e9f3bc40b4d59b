// The live event feed `decnet deploy` prints: one readable line per event,
//   HH:MM:SS decky service type src_ip:port key=value …
// Secrets appear as their printable form only; long values are cut; control,
// C1, bidi and invisible format characters are escaped (sanitize.ts) and never
// reach the terminal.
import type { DecnetEvent } from '../events/event.js'
import type { EventSink } from '../events/sink.js'
import { termSafe } from './sanitize.js'

export const FEED_MAX_VALUE = 80
export const FEED_MAX_LINE = 400
/** Fields the line shows elsewhere, or never (session ids are in the store for joining). */
const HIDDEN = new Set(['src_ip', 'src_port', 'secret_b64', 'secret_printable', 'remote_addr', 'session'])

function clean(v: string, max: number): string {
  const cut = termSafe(v, max)
  return /[\s"=]/.test(cut) || cut === '' ? `"${cut.replace(/"/g, '\\"')}"` : cut
}

export function formatFeedLine(e: DecnetEvent): string {
  const time = /T(\d\d:\d\d:\d\d)/.exec(e.time)?.[1] ?? e.time
  const parts = [time, e.decky, e.service, e.type].map((p) => termSafe(p, FEED_MAX_VALUE))
  const f = e.fields
  if (f.src_ip) parts.push(termSafe(f.src_port ? `${f.src_ip}:${f.src_port}` : f.src_ip, FEED_MAX_VALUE))
  if (f.secret_printable !== undefined) parts.push(`secret=${clean(f.secret_printable, FEED_MAX_VALUE)}`)
  for (const [k, v] of Object.entries(f)) {
    if (HIDDEN.has(k)) continue
    parts.push(`${termSafe(k, FEED_MAX_VALUE)}=${clean(v, FEED_MAX_VALUE)}`)
  }
  if (e.msg) parts.push(clean(e.msg, FEED_MAX_VALUE))
  const line = parts.join(' ')
  if (line.length <= FEED_MAX_LINE) return line
  // never split a surrogate pair (half of one would be a lone surrogate)
  const end = /[\ud800-\udbff]/.test(line[FEED_MAX_LINE - 2] ?? '') ? FEED_MAX_LINE - 2 : FEED_MAX_LINE - 1
  return `${line.slice(0, end)}…`
}

/** Events kept while the feed is held (deploy still starting); older ones are dropped. */
export const FEED_HOLD_MAX = 1000

export class ConsoleFeed implements EventSink {
  #held: string[] | undefined
  constructor(
    private readonly out: (line: string) => void = (l) => process.stdout.write(l + '\n'),
    opts: { held?: boolean } = {},
  ) {
    if (opts.held) this.#held = []
  }
  write(event: DecnetEvent): void {
    const line = formatFeedLine(event)
    if (!this.#held) return this.out(line)
    if (this.#held.length >= FEED_HOLD_MAX) this.#held.shift()
    this.#held.push(line)
  }
  /** Prints what was held and goes live. */
  release(): void {
    const held = this.#held ?? []
    this.#held = undefined
    for (const l of held) this.out(l)
  }
  /** Drops what was held (the deploy failed and says why in one line). */
  discard(): void {
    if (this.#held) this.#held = []
  }
}
