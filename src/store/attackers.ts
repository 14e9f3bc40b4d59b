// Per-source-IP aggregates: merging one batch's update into a stored row.
import type { AttackerUpdate } from './types.js'

/** Per-attacker list caps: a flood of deckies/tools never grows a row without bound. */
export const ATTACKER_LIST_CAPS = Object.freeze({ deckies: 256, services: 64, tools: 32 })

/** Union keeping first-seen order, capped. */
export function mergeList(a: readonly string[], b: readonly string[], cap: number): string[] {
  const out = [...a]
  const seen = new Set(a)
  for (const x of b) {
    if (out.length >= cap) break
    if (!seen.has(x)) {
      seen.add(x)
      out.push(x)
    }
  }
  return out
}

export function mergeAttacker(a: AttackerUpdate, b: AttackerUpdate): AttackerUpdate {
  return {
    ip: a.ip,
    first_seen: a.first_seen < b.first_seen ? a.first_seen : b.first_seen,
    last_seen: a.last_seen > b.last_seen ? a.last_seen : b.last_seen,
    event_count: a.event_count + b.event_count,
    credential_count: a.credential_count + b.credential_count,
    deckies: mergeList(a.deckies, b.deckies, ATTACKER_LIST_CAPS.deckies),
    services: mergeList(a.services, b.services, ATTACKER_LIST_CAPS.services),
    tools: mergeList(a.tools, b.tools, ATTACKER_LIST_CAPS.tools),
  }
}
