// The fleet table `decnet deploy` prints and `decnet status` reuses.
import type { EnginePlan, PlannedService } from '../engines/engine.js'
import { describePorts } from '../engines/engine.js'

export const FLEET_HEADERS = ['Decky', 'IP', 'OS', 'Hostname', 'Services', 'Ports']

export function serviceLabel(s: { name: string; skip?: string }): string {
  return s.skip ? `${s.name} (${s.skip})` : s.name
}

export function fleetRows(plan: EnginePlan): string[][] {
  return plan.deckies.map((d) => {
    const run: PlannedService[] = d.services.filter((s) => !s.skip)
    return [d.name, d.ip, d.os, d.hostname, d.services.map(serviceLabel).join(', '), describePorts(run.flatMap((s) => s.ports))]
  })
}

/** One line per skipped service kind, e.g. "rdp: no emulator yet (decky-02, decky-04)". */
export function skippedSummary(plan: EnginePlan): string[] {
  const by = new Map<string, string[]>()
  for (const d of plan.deckies) {
    for (const s of d.services) {
      if (!s.skip) continue
      const k = `${s.name}: ${s.skip}`
      by.set(k, [...(by.get(k) ?? []), d.name])
    }
  }
  return [...by].map(([k, ds]) => `${k} (${ds.join(', ')}) — not started`)
}
