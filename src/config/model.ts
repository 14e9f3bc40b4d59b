// The fleet as data: what config (INI or flags) produces and every engine consumes.

/** Raw or validated persona values of one service on one decky. */
export type ServiceConfigValue = string | number | boolean | string[]
export type ServiceConfig = Record<string, ServiceConfigValue>

export interface DeckyConfig {
  /** Internal name, e.g. decky-01. Never put on the wire when a persona value exists. */
  name: string
  ip: string
  /** Service slugs, in order. */
  services: string[]
  /** Distro slug (src/config/distros.ts). */
  distro: string
  baseImage: string
  buildBase: string
  /** Cosmetic hostname the decky claims (persona). */
  hostname: string
  archetype?: string
  /** Persona keys per service slug. */
  serviceConfig: Record<string, ServiceConfig>
  /** OS family for sysctls / persona: linux, windows, windows_server, bsd, embedded, cisco. */
  nmapOs: string
  mutateInterval?: number
}

export interface CustomServiceSpec {
  name: string
  image: string
  execCmd: string
  ports: number[]
}

export interface FleetConfig {
  mode: 'unihost'
  interface?: string
  subnet?: string
  gateway?: string
  ipvlan: boolean
  /** host:port of a syslog collector, passed to service containers as LOG_TARGET. */
  logTarget?: string
  deckies: DeckyConfig[]
  customServices: CustomServiceSpec[]
  /** Where the config came from (for error messages and state). */
  source?: string
}
