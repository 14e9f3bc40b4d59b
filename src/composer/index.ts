// Fleet → compose document (docs/compose.md): one base container per decky
// holding the IP and the OS sysctls, then one container per service sharing
// its network namespace. Pure: returns the document, its YAML and the secret
// env files; writing them (writeSecretFiles) and running compose is the engine's job.
import { join, resolve } from 'node:path'
import { stringify } from 'yaml'
import type { DeckyConfig, FleetConfig } from '../config/model.js'
import { osSysctls } from '../config/os-profiles.js'
import { BaseService, CustomService, ServiceConfigError, TEMPLATES_DIR, type ComposeService } from '../services/base.js'
import { getService } from '../services/registry.js'
import { decnetHome } from '../runtime/paths.js'
import { SeededRng } from '../runtime/rng.js'
import { DECKY_KEY_ENV } from '../services/_common.js'
import { ConfigError, DecnetError, where } from '../errors.js'
import { secretFilePath, takeSecrets } from './secrets.js'

export { writeSecretFiles } from './secrets.js'

export const COMPOSE_VERSION = '3.8'
export const LAN_NETWORK = 'decnet_lan'
/** Build context of the generic image that runs `decnet run-service <slug>`. */
export const EMULATOR_TEMPLATE = join(TEMPLATES_DIR, 'emulator')
const LOGGING = { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '5' } } as const

export interface ComposeOptions {
  /** Folder of the per-service secret env files; default `<decnet home>/secrets`. */
  secretsDir?: string
  /** Keep secret values in `environment:` (the compose file) instead of env files. */
  inlineSecrets?: boolean
  /**
   * The install secret. Every container built from the emulator template then
   * gets DECNET_DECKY_KEY (hex of SeededRng.deckyKey(secret, decky name)) as
   * a secret, so its keys, certificates and serials match the local engine's
   * and stay put across re-creations. Without it containers fall back to a
   * secret of their own (unstable): engines always pass it.
   */
  installSecret?: Buffer
}

export interface ComposeResult {
  doc: Record<string, unknown>
  yaml: string
  /** Absolute env-file path → content; write with writeSecretFiles before `compose up`. */
  secretFiles: Map<string, string>
}

export function generateCompose(fleet: FleetConfig, opts: ComposeOptions = {}): ComposeResult {
  const secretsDir = resolve(opts.secretsDir ?? join(decnetHome(), 'secrets'))
  const custom = new Map<string, BaseService>(fleet.customServices.map((c) => [c.name, new CustomService(c.name, c.image, c.execCmd, c.ports)]))
  const services: Record<string, ComposeService> = {}
  const secretFiles = new Map<string, string>()
  const add = (key: string, entry: ComposeService) => {
    if (key in services) throw new DecnetError('FLEET_INVALID', `two compose services would be named '${key}'`)
    services[key] = entry
  }

  for (const decky of fleet.deckies) {
    add(decky.name, baseContainer(decky))
    for (const svcName of decky.services) {
      const svc = custom.get(svcName) ?? getService(svcName)
      if (svc.fleetSingleton) continue
      const frag = fragmentOf(svc, svcName, decky, fleet)
      const environment: Record<string, string> = { ...(frag.environment ?? {}), HOSTNAME: decky.hostname, DECNET_OS: decky.nmapOs, DECNET_DISTRO: decky.distro }
      const secretNames = [...svc.secretEnvNames()]
      if (opts.installSecret && runsEmulator(svc, frag)) {
        environment[DECKY_KEY_ENV] = SeededRng.deckyKey(opts.installSecret, decky.name).toString('hex')
        secretNames.push(DECKY_KEY_ENV)
      }
      const secrets = opts.inlineSecrets ? undefined : takeSecrets(environment, secretNames, `${decky.name}/${svcName}`)
      let envFile: string | undefined
      if (secrets !== undefined) {
        envFile = secretFilePath(secretsDir, decky.name, svcName)
        secretFiles.set(envFile, secrets)
      }
      add(`${decky.name}-${svcName}`, serviceContainer(frag, environment, envFile, svcName, decky))
    }
  }

  const doc = escapeInterpolation({
    version: COMPOSE_VERSION,
    services,
    networks: { [LAN_NETWORK]: { external: true } },
    'x-decnet': { network: networkSpec(fleet) },
  }) as Record<string, unknown>
  return { doc, yaml: stringify(doc, { lineWidth: 0 }), secretFiles }
}

/** A container of the generic image, i.e. `decnet run-service` (never a user's image). */
function runsEmulator(svc: BaseService, frag: ComposeService): boolean {
  return !(svc instanceof CustomService) && frag.build?.context === EMULATOR_TEMPLATE
}

/** The netns owner: holds the IP, hostname and OS sysctls; runs nothing. */
function baseContainer(decky: DeckyConfig): ComposeService {
  return {
    image: decky.baseImage,
    container_name: decky.name,
    hostname: decky.hostname,
    command: ['sleep', 'infinity'],
    init: true,
    restart: 'unless-stopped',
    networks: { [LAN_NETWORK]: { ipv4_address: decky.ip } },
    sysctls: osSysctls(decky.nmapOs),
    cap_add: ['NET_ADMIN'],
  }
}

function fragmentOf(svc: BaseService, svcName: string, decky: DeckyConfig, fleet: FleetConfig): ComposeService {
  try {
    return svc.composeFragment(decky.name, fleet.logTarget, decky.serviceConfig[svcName] ?? {})
  } catch (e) {
    if (!(e instanceof ServiceConfigError)) throw e
    const problem = e.message.slice(e.key.length + 2)
    throw new ConfigError('SERVICE_CONFIG_INVALID', `${where(fleet.source, `${decky.name}.${svcName}`, e.key)} ${problem}`, { cause: e })
  }
}

/** A plugin fragment made into the service's container; networking keys are the composer's alone. */
function serviceContainer(
  frag: ComposeService,
  environment: Record<string, string>,
  envFile: string | undefined,
  svcName: string,
  decky: DeckyConfig,
): ComposeService {
  const out: ComposeService = {}
  for (const [k, v] of Object.entries(frag)) {
    if (k === 'hostname' || k === 'networks' || k === 'network_mode' || k === 'depends_on' || k === 'logging') continue
    if (k === 'build' && frag.build) {
      out.build = { ...frag.build, args: { BASE_IMAGE: decky.buildBase, ...frag.build.args } }
      continue
    }
    if (k === 'environment') {
      out.environment = environment
      if (envFile) out.env_file = [envFile]
      continue
    }
    out[k] = v
  }
  if (!out.environment) out.environment = environment
  if (envFile && !out.env_file) out.env_file = [envFile]
  if (out.command === undefined && frag.build?.context === EMULATOR_TEMPLATE) out.command = [svcName]
  out.network_mode = `service:${decky.name}`
  out.depends_on = [decky.name]
  out.logging = structuredClone(LOGGING)
  out.labels = {
    ...frag.labels,
    'decnet.fleet.service': 'true',
    'decnet.fleet.decky': decky.name,
    'decnet.fleet.service_name': svcName,
  }
  return out
}

/** What an engine needs to create the external LAN network (compose does not). */
function networkSpec(fleet: FleetConfig): Record<string, string> {
  const spec: Record<string, string> = { name: LAN_NETWORK, driver: fleet.ipvlan ? 'ipvlan' : 'macvlan' }
  if (fleet.interface) spec.parent = fleet.interface
  if (fleet.subnet) spec.subnet = fleet.subnet
  if (fleet.gateway) spec.gateway = fleet.gateway
  if (fleet.ipvlan) spec.ipvlan_mode = 'l2'
  return spec
}

/** Compose interpolates `$` in every value; `$$` is a literal dollar. */
function escapeInterpolation(v: unknown): unknown {
  if (typeof v === 'string') return v.replaceAll('$', '$$$$')
  if (Array.isArray(v)) return v.map(escapeInterpolation)
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, escapeInterpolation(x)]))
  return v
}
