// Builds the FleetConfig every engine consumes, from an INI (`--config`,
// docs/fleet-ini.md) or from flags: decky names, services, distros,
// hostnames and OS family here; IPs in fleet-addressing.ts; port rules
// and random service picks in fleet-ports.ts.
import { randomBytes } from 'node:crypto'
import { UserError, type ErrorCode } from '../errors.js'
import { stderrLog, type LogFn } from '../log.js'
import type { DeckyConfig, FleetConfig, ServiceConfig } from './model.js'
import { SeededRng } from '../runtime/rng.js'
import { deckyServiceNames, hasService, loadServices } from '../services/registry.js'
import { getArchetype, type Archetype } from './archetypes.js'
import { distroSlugs, getDistro, randomHostname } from './distros.js'
import { assignIps, dockerAddressing, flagError, localAddressing } from './fleet-addressing.js'
import { deckyError, loadFleetIni, parseLogTarget, type IniDeckySpec, type IniFleetSpec } from './fleet-ini.js'
import { findPortClash, pickRandomServices } from './fleet-ports.js'
import type { HostNetwork } from './host-net.js'
import { oneLine } from './ini.js'

export { effectivePorts, findPortClash, pickRandomServices, type PortClash, type ServicePorts } from './fleet-ports.js'
export { LOCAL_SUBNET } from './fleet-addressing.js'

export interface FleetOptions {
  config?: string // INI path
  deckies?: number
  services?: string[]
  randomizeServices?: boolean
  /** What --randomize-services picks from (the engine's runnable services); default every decky service. */
  servicePool?: string[]
  archetype?: string
  distro?: string[]
  randomizeDistros?: boolean
  subnet?: string
  ipStart?: string
  gateway?: string
  interface?: string
  ipvlan?: boolean
  logTarget?: string // host:port, validated
  engine?: 'local' | 'docker' // default 'local'
  addresses?: string[] // explicit host addresses for the local engine
  seed?: Buffer // install secret for hostname RNG (optional; random if absent)
  /** Where warnings go, one line each (default: `decnet: warning: …` lines on stderr). */
  warn?: LogFn
  /** Source of random choices (services, --randomize-distros); default fresh randomness. */
  rng?: SeededRng
  /** Host network detection (docker engine); default runs `ip`. */
  probe?: (iface?: string) => HostNetwork
}

export const MAX_FLAG_DECKIES = 1000
const HOSTNAME_TRIES = 20

const defaultWarn: LogFn = stderrLog('decnet: warning')

/** One decky before addressing, with a way to name its place in errors. */
interface Draft {
  name: string
  ip?: string
  services?: string[]
  archetype?: Archetype
  distro?: string
  nmapOs?: string
  mutateInterval?: number
  serviceConfig: Record<string, ServiceConfig>
  err(key: string | undefined, problem: string, code?: ErrorCode): UserError
}


function checkServiceList(list: readonly string[], at: (problem: string, code: ErrorCode) => UserError): string[] {
  const known = new Set(deckyServiceNames())
  const singleton = list.find((n) => hasService(n) && !known.has(n))
  if (singleton) throw at(`'${singleton}' is a fleet singleton and cannot run on a decky`, 'SERVICE_UNKNOWN')
  const unknown = list.filter((n) => !known.has(n))
  if (unknown.length) throw at(`Unknown service(s): ${unknown.map((u) => `'${u}'`).join(', ')}. Available: ${[...known].join(', ')}`, 'SERVICE_UNKNOWN')
  return [...new Set(list)]
}

function archetypeOrThrow(slug: string, at: (problem: string) => UserError): Archetype {
  let a: Archetype
  try {
    a = getArchetype(slug)
  } catch (e) {
    throw at((e as Error).message)
  }
  const missing = a.services.find((s) => !hasService(s))
  if (missing) throw at(`archetype '${slug}' needs service '${missing}', which is not installed`)
  return a
}

// ---------------------------------------------------------------- drafts

function draftsFromFlags(opts: FleetOptions): Draft[] {
  const n = opts.deckies
  if (n === undefined) throw flagError('--deckies', 'required without --config (how many deckies to deploy)')
  if (!Number.isInteger(n) || n < 1 || n > MAX_FLAG_DECKIES) throw flagError('--deckies', `must be an integer from 1 to ${MAX_FLAG_DECKIES}, got ${n}`)
  const services = opts.services?.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)
  const hasServices = services !== undefined && services.length > 0
  if (!hasServices && !opts.archetype && !opts.randomizeServices) {
    throw new UserError('FLEET_INVALID', 'Specify --services, --archetype, or --randomize-services.')
  }
  const list = hasServices ? checkServiceList(services, (p, c) => flagError('--services', p, c)) : undefined
  const archetype = opts.archetype ? archetypeOrThrow(opts.archetype, (p) => flagError('--archetype', p, 'ARCHETYPE_UNKNOWN')) : undefined
  const distros = opts.distro?.flatMap((d) => d.split(',')).map((d) => d.trim()).filter(Boolean)
  for (const d of distros ?? []) {
    try {
      getDistro(d)
    } catch (e) {
      throw flagError('--distro', (e as Error).message, 'DISTRO_UNKNOWN')
    }
  }
  const width = Math.max(2, String(n).length)
  return Array.from({ length: n }, (_, i): Draft => {
    const name = `decky-${String(i + 1).padStart(width, '0')}`
    return {
      name,
      ...(list ? { services: [...list] } : {}),
      ...(archetype ? { archetype } : {}),
      ...(distros && distros.length ? { distro: distros[i % distros.length] as string } : {}),
      serviceConfig: {},
      err: (key, problem, code = 'FLEET_INVALID') => new UserError(code, oneLine(`${key ? `--${key}: ` : ''}${name}: ${problem}`)),
    }
  })
}

function draftsFromIni(spec: IniFleetSpec): Draft[] {
  return spec.deckies.map((d: IniDeckySpec): Draft => ({
    name: d.name,
    ...(d.ip !== undefined ? { ip: d.ip } : {}),
    ...(d.services ? { services: d.services } : {}),
    ...(d.archetype ? { archetype: archetypeOrThrow(d.archetype, (p) => deckyError(spec.file, d, 'archetype', p, 'ARCHETYPE_UNKNOWN')) } : {}),
    ...(d.distro ? { distro: d.distro } : {}),
    ...(d.nmapOs ? { nmapOs: d.nmapOs } : {}),
    ...(d.mutateInterval !== undefined ? { mutateInterval: d.mutateInterval } : {}),
    serviceConfig: d.serviceConfig,
    err: (key, problem, code) => deckyError(spec.file, d, key, problem, code),
  }))
}


// ---------------------------------------------------------------- the fleet

export async function resolveFleet(opts: FleetOptions): Promise<FleetConfig> {
  await loadServices()
  const warn = opts.warn ?? defaultWarn
  const engine = opts.engine ?? 'local'
  const rng = opts.rng ?? new SeededRng(randomBytes(32))
  const seed = opts.seed ?? randomBytes(32)

  let ini: IniFleetSpec | undefined
  let drafts: Draft[]
  if (opts.config !== undefined) {
    ini = loadFleetIni(opts.config)
    ini.warnings.forEach((w) => warn(w))
    const ignored = (
      [
        ['--deckies', opts.deckies !== undefined],
        ['--services', !!opts.services?.length],
        ['--archetype', !!opts.archetype],
        ['--distro', !!opts.distro?.length],
        ['--randomize-services', !!opts.randomizeServices],
        ['--randomize-distros', !!opts.randomizeDistros],
      ] as const
    ).filter(([, on]) => on)
    if (ignored.length) warn(`${ignored.map(([f]) => f).join(', ')} ignored with --config (the INI describes the deckies)`)
    drafts = draftsFromIni(ini)
  } else {
    drafts = draftsFromFlags(opts)
  }

  let logTarget: string | undefined
  if (opts.logTarget !== undefined) {
    logTarget = parseLogTarget(opts.logTarget)
    if (!logTarget) throw flagError('--log-target', `expected host:port, got ${JSON.stringify(opts.logTarget)}`)
  } else {
    logTarget = ini?.logTarget
  }

  const net = engine === 'local' ? localAddressing(opts, ini, warn) : dockerAddressing(opts, ini)
  const ips = assignIps(drafts, net, ini !== undefined, engine)

  const usedCombos = new Set<string>()
  for (const d of drafts) if (d.services) usedCombos.add([...d.services].sort().join(','))
  const allDistros = distroSlugs()
  const hostnames = new Set<string>()
  const deckies: DeckyConfig[] = drafts.map((d, i) => {
    const services = d.services ?? (d.archetype ? [...d.archetype.services] : pickRandomServices(rng, usedCombos, opts.servicePool))
    const distroSlug =
      d.distro ??
      (ini === undefined && opts.randomizeDistros
        ? rng.pick(allDistros)
        : d.archetype
          ? (d.archetype.preferredDistros[i % d.archetype.preferredDistros.length] as string)
          : (allDistros[i % allDistros.length] as string))
    const distro = getDistro(distroSlug)

    const serviceConfig: Record<string, ServiceConfig> = {}
    for (const [svc, cfg] of Object.entries(d.serviceConfig)) {
      if (services.includes(svc)) serviceConfig[svc] = cfg
      else warn(`${d.err(undefined, `persona keys for '${svc}' ignored: the decky does not run it`).message}`)
    }
    const clash = findPortClash(services, serviceConfig)
    if (clash) {
      const via = d.services ? 'services' : 'archetype'
      throw d.err(via, `port ${clash.port}/${clash.proto} is used by both ${clash.first} and ${clash.second}`, 'FLEET_INVALID')
    }

    let hostname = ''
    const hostRng = SeededRng.forDecky(seed, d.name)
    for (let t = 0; t < HOSTNAME_TRIES; t++) {
      hostname = randomHostname(distro.hostnameStyle, hostRng.fork(t === 0 ? 'hostname' : `hostname/${t}`))
      if (!hostnames.has(hostname)) break
    }
    hostnames.add(hostname)

    return {
      name: d.name,
      ip: ips[i] as string,
      services,
      distro: distro.slug,
      baseImage: distro.image,
      buildBase: distro.buildBase,
      hostname,
      ...(d.archetype ? { archetype: d.archetype.slug } : {}),
      serviceConfig,
      nmapOs: d.nmapOs ?? d.archetype?.nmapOs ?? 'linux',
      ...(d.mutateInterval !== undefined ? { mutateInterval: d.mutateInterval } : {}),
    }
  })

  return {
    mode: 'unihost',
    ...(net.interface ? { interface: net.interface } : {}),
    ...(net.subnet ? { subnet: net.subnet } : {}),
    ...(net.gateway ? { gateway: net.gateway } : {}),
    ipvlan: !!opts.ipvlan,
    ...(logTarget ? { logTarget } : {}),
    deckies,
    customServices: ini?.customServices ?? [],
    ...(opts.config !== undefined ? { source: opts.config } : {}),
  }
}

