// Port clashes inside one decky: every service of a decky shares one network
// namespace, so two services on the same port and transport cannot both bind
// (smtp + smtp_relay on 25, conpot + snmp on 161/udp, http + https on 443).
import type { BaseService } from './base.js'
import type { ServiceConfig } from '../config/model.js'

export interface PortClash {
  proto: 'tcp' | 'udp'
  port: number
  services: string[]
}

/** Clashes among a decky's services, given each one's persona config (UDP ports may depend on it). */
export function portClashes(services: readonly BaseService[], configs: Record<string, ServiceConfig> = {}): PortClash[] {
  const owners = new Map<string, PortClash>()
  for (const svc of services) {
    const udp = svc.udpPorts(svc.resolveConfig(configs[svc.name] ?? {}))
    const claims: (readonly [PortClash['proto'], number])[] = [...svc.ports.map((p) => ['tcp', p] as const), ...udp.map((p) => ['udp', p] as const)]
    for (const [proto, port] of claims) {
      const key = `${proto}/${port}`
      const entry = owners.get(key) ?? { proto, port, services: [] }
      if (!entry.services.includes(svc.name)) entry.services.push(svc.name)
      owners.set(key, entry)
    }
  }
  return [...owners.values()].filter((c) => c.services.length > 1)
}
