// Ports of the services on one decky (they share one network namespace) and
// random service picks that respect them. Rule: two services may not claim
// the same port and protocol (upstream's clashes: smtp + smtp_relay, conpot +
// snmp); when a decky runs http and https, http gives up 443 to https.
// Random picks never choose a clashing pair nor a custom service.
import { UserError } from '../errors.js'
import type { ServiceConfig } from './model.js'
import type { SeededRng } from '../runtime/rng.js'
import { CustomService } from '../services/base.js'
import { allServices, deckyServiceNames, getService } from '../services/registry.js'

export const MAX_RANDOM_SERVICES = 3
/** Tries to find a random service combination not used yet in this fleet. */
export const RANDOM_COMBO_TRIES = 20

export interface ServicePorts {
  tcp: number[]
  udp: number[]
}

/**
 * The ports each service of one decky really listens on: declared TCP ports
 * and UDP ports for its persona, with http dropping 443 when https runs too.
 */
export function effectivePorts(services: readonly string[], serviceConfig: Record<string, ServiceConfig> = {}): Map<string, ServicePorts> {
  const out = new Map<string, ServicePorts>()
  for (const name of services) {
    const svc = getService(name)
    const cfg = svc.resolveConfig(serviceConfig[name])
    out.set(name, { tcp: [...svc.ports], udp: svc.udpPorts(cfg) })
  }
  const http = out.get('http')
  const https = out.get('https')
  if (http && https?.tcp.includes(443)) http.tcp = http.tcp.filter((p) => p !== 443)
  return out
}

export interface PortClash {
  port: number
  proto: 'tcp' | 'udp'
  first: string
  second: string
}

export function findPortClash(services: readonly string[], serviceConfig: Record<string, ServiceConfig> = {}): PortClash | undefined {
  const seen = { tcp: new Map<number, string>(), udp: new Map<number, string>() }
  for (const [name, ports] of effectivePorts(services, serviceConfig)) {
    for (const proto of ['tcp', 'udp'] as const) {
      for (const port of ports[proto]) {
        const first = seen[proto].get(port)
        if (first !== undefined && first !== name) return { port, proto, first, second: name }
        seen[proto].set(port, name)
      }
    }
  }
  return undefined
}

function randomPool(): string[] {
  const all = allServices()
  return deckyServiceNames().filter((n) => !(all.get(n) instanceof CustomService))
}

/** 1..3 distinct services without a port clash, avoiding combinations in `used`. */
export function pickRandomServices(rng: SeededRng, used: Set<string>, pool: readonly string[] = randomPool()): string[] {
  if (pool.length === 0) throw new UserError('SERVICE_UNKNOWN', 'no services are installed to pick from')
  let chosen: string[] = []
  for (let attempt = 0; attempt < RANDOM_COMBO_TRIES; attempt++) {
    const k = rng.int(1, Math.min(MAX_RANDOM_SERVICES, pool.length))
    chosen = []
    for (const s of rng.shuffle(pool)) {
      if (chosen.length === k) break
      if (!findPortClash([...chosen, s])) chosen.push(s)
    }
    chosen.sort()
    if (!used.has(chosen.join(','))) break
  }
  used.add(chosen.join(','))
  return chosen
}
