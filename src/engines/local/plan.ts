// What the local engine would do with a fleet, as data: which service of which
// decky binds which address and port, and which services it skips and why.
import type { DeckyConfig, FleetConfig } from '../../config/model.js'
import { CustomService, ServiceConfigError, type BaseService } from '../../services/base.js'
import { effectivePorts } from '../../config/fleet.js'
import { getService, loadServices } from '../../services/registry.js'
import type { EmulatorFactory } from '../../runtime/context.js'
import { UserError } from '../../errors.js'
import type { EnginePlan, PlannedDecky, PlannedPort, PlannedService, SkipReason } from '../engine.js'
import { offsetPort } from './ports.js'

/** The emulator factory of a plugin, or undefined when it has none (yet). */
export async function loadEmulator(plugin: BaseService): Promise<EmulatorFactory | undefined> {
  const p = plugin.emulator()
  if (!p) return undefined
  try {
    return await p
  } catch (e) {
    // A plugin that points at an emulator folder not written yet.
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined
    throw e
  }
}

export function osFamily(d: DeckyConfig): string {
  return d.nmapOs || 'linux'
}

/** Ports per service of one decky as they will be bound (fleet rules, e.g. http yields 443 to https). */
export function deckyPorts(d: DeckyConfig, portOffset: number): Map<string, PlannedPort[]> {
  let eff
  try {
    eff = effectivePorts(d.services, d.serviceConfig)
  } catch (e) {
    if (e instanceof ServiceConfigError) throw new UserError('SERVICE_CONFIG_INVALID', `${d.name}: ${e.message}`)
    throw e
  }
  const out = new Map<string, PlannedPort[]>()
  for (const [name, p] of eff) {
    out.set(name, [
      ...p.tcp.map((port): PlannedPort => ({ proto: 'tcp', declared: port, bound: offsetPort(port, portOffset) })),
      ...p.udp.map((port): PlannedPort => ({ proto: 'udp', declared: port, bound: offsetPort(port, portOffset) })),
    ])
  }
  return out
}

async function skipReason(plugin: BaseService): Promise<SkipReason | undefined> {
  if (plugin.fleetSingleton) return 'fleet singleton'
  if (plugin instanceof CustomService) return 'container image only'
  return (await loadEmulator(plugin)) ? undefined : 'no emulator yet'
}

export async function planLocal(fleet: FleetConfig, portOffset = 0): Promise<EnginePlan> {
  await loadServices()
  const deckies: PlannedDecky[] = []
  for (const d of fleet.deckies) {
    const services: PlannedService[] = []
    const ports = deckyPorts(d, portOffset)
    for (const name of d.services) {
      const skip = await skipReason(getService(name))
      services.push({ name, ports: ports.get(name) ?? [], ...(skip ? { skip } : {}) })
    }
    deckies.push({ name: d.name, ip: d.ip, hostname: d.hostname, os: osFamily(d), distro: d.distro, services })
  }
  return { engine: 'local', portOffset, deckies }
}
