// Destination address → decky name from the deployment state file, re-read at
// most every REFRESH_MS (deckies come and go while the sniffer runs).
import { readState } from '../engines/state.js'
import { UserError } from '../errors.js'
import type { DeckyResolver } from './sniffer.js'

export const REFRESH_MS = 60_000

/** `--decky IP=NAME` pairs (offline use, or to name addresses outside the fleet). */
export function parseDeckyPairs(pairs: readonly string[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const p of pairs) {
    const eq = p.indexOf('=')
    if (eq <= 0 || eq === p.length - 1) throw new Error(`not IP=NAME: "${p}"`)
    out.set(p.slice(0, eq).trim(), p.slice(eq + 1).trim())
  }
  return out
}

export interface FleetResolver {
  resolve: DeckyResolver
  /** Deckies known right now. */
  readonly size: number
}

/** Fleet state (if any) plus explicit pairs; explicit pairs win. */
export function fleetResolver(extra: ReadonlyMap<string, string> = new Map(), home?: string, now: () => number = Date.now): FleetResolver {
  let map = new Map<string, string>()
  let loadedAt = -Infinity
  const load = () => {
    loadedAt = now()
    const next = new Map<string, string>()
    try {
      const state = readState(home)
      for (const d of state?.deckies ?? []) if (d.ip) next.set(d.ip, d.name)
    } catch {
      // a broken state file must not stop the sniffer; keep the previous map
      return
    }
    map = next
  }
  load()
  return {
    resolve(ip: string) {
      if (now() - loadedAt >= REFRESH_MS) load()
      return extra.get(ip) ?? map.get(ip)
    },
    get size() {
      return map.size + extra.size
    },
  }
}

/** The resolver for `--decky IP=NAME` flags plus the deployed fleet; a bad pair is a one-line user error. */
export function resolverFromFlags(decky: readonly string[] | undefined): FleetResolver {
  try {
    return fleetResolver(parseDeckyPairs(decky ?? []))
  } catch (e) {
    throw new UserError('FLAG_INVALID', `--decky: ${(e as Error).message}`)
  }
}
