// The service plugin contract. A plugin is data (name, ports, persona schema)
// plus two functions (composeFragment, dockerfileContext) and a lazy emulator.
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import { existsSync } from 'node:fs'
import type { EmulatorFactory } from '../runtime/context.js'
import type { ServiceConfig, ServiceConfigValue } from '../config/model.js'
import { DecnetError } from '../errors.js'
import { envFromSchema } from './_env.js'

export type FieldType = 'string' | 'password' | 'int' | 'bool' | 'textarea' | 'enum' | 'multi_enum'

export interface ConfigField {
  key: string
  label: string
  type: FieldType
  /** Applied by resolveConfig when the key is absent. */
  default?: ServiceConfigValue
  /** UI hint and: never written to compose files in the clear (see secretEnvNames). */
  secret?: boolean
  help?: string
  enum?: readonly string[]
  placeholder?: string
  /**
   * Environment variable this key becomes in the service container (see
   * services/_env.ts for the encoding). The default `environment()` maps
   * every present key that names one; keys without it never reach the container.
   */
  env?: string
}

/** A persona value failed its schema. The message is `<key>: <problem>`. */
export class ServiceConfigError extends DecnetError {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super('SERVICE_CONFIG_INVALID', `${key}: ${message}`)
  }
}

// Field builders, so a schema reads like a table.
type Extra = Partial<Omit<ConfigField, 'key' | 'type'>>
const field = (type: FieldType) => (key: string, label: string, extra: Extra = {}): ConfigField => ({ key, label, type, ...extra })
export const text = field('string')
export const password = (key: string, label: string, extra: Extra = {}): ConfigField => ({ key, label, type: 'password', secret: true, ...extra })
export const int = field('int')
export const bool = field('bool')
export const textarea = field('textarea')
export const oneOf = (key: string, label: string, values: readonly string[], extra: Extra = {}): ConfigField => ({ key, label, type: 'enum', enum: values, ...extra })
export const manyOf = (key: string, label: string, values: readonly string[], extra: Extra = {}): ConfigField => ({ key, label, type: 'multi_enum', enum: values, ...extra })

const TRUE = new Set(['true', '1', 'yes', 'on'])
const FALSE = new Set(['false', '0', 'no', 'off'])
const B64_PREFIX = 'b64:'
const B64_STRICT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

function coerce(f: ConfigField, raw: unknown): ServiceConfigValue {
  switch (f.type) {
    case 'string':
    case 'password':
      return String(raw)
    case 'textarea': {
      const s = String(raw)
      if (!s.startsWith(B64_PREFIX)) return s
      const payload = s.slice(B64_PREFIX.length)
      if (!B64_STRICT.test(payload)) throw new ServiceConfigError(f.key, 'malformed b64: payload')
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(payload, 'base64'))
      } catch {
        throw new ServiceConfigError(f.key, 'malformed b64: payload')
      }
    }
    case 'int': {
      if (typeof raw === 'boolean') return raw ? 1 : 0
      if (typeof raw === 'number' && Number.isFinite(raw)) return Math.trunc(raw)
      const s = String(raw).trim()
      if (!/^[+-]?\d+$/.test(s)) throw new ServiceConfigError(f.key, `expected int, got ${JSON.stringify(raw)}`)
      return Number.parseInt(s, 10)
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw
      if (typeof raw === 'string') {
        const s = raw.trim().toLowerCase()
        if (TRUE.has(s)) return true
        if (FALSE.has(s)) return false
      }
      throw new ServiceConfigError(f.key, `expected a boolean (true/false/yes/no/on/off/1/0), got ${JSON.stringify(raw)}`)
    }
    case 'enum': {
      const s = String(raw)
      if (f.enum && f.enum.length > 0 && !f.enum.includes(s)) {
        throw new ServiceConfigError(f.key, `${JSON.stringify(s)} is not one of ${f.enum.join(', ')}`)
      }
      return s
    }
    case 'multi_enum': {
      // INI values arrive as "a, b"; the API sends lists.
      const list = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter(Boolean) : undefined
      if (!list) throw new ServiceConfigError(f.key, `expected a list, got ${JSON.stringify(raw)}`)
      if (list.length === 0) throw new ServiceConfigError(f.key, 'expected a non-empty list')
      const out: string[] = []
      for (const v of list) {
        if (f.enum && f.enum.length > 0 && !f.enum.includes(v)) {
          throw new ServiceConfigError(f.key, `${JSON.stringify(v)} is not one of ${f.enum.join(', ')}`)
        }
        if (!out.includes(v)) out.push(v)
      }
      return out
    }
  }
}

export interface ComposeService {
  [key: string]: unknown
  image?: string
  build?: { context: string; args?: Record<string, string> }
  container_name?: string
  restart?: string
  environment?: Record<string, string>
  volumes?: string[]
  cap_add?: string[]
  command?: string[]
  labels?: Record<string, string>
}

/** Host root of quarantined artifacts, as the docker engine's bind mounts see it. */
export function artifactsRoot(): string {
  return process.env.DECNET_ARTIFACTS_ROOT || '/var/lib/decnet/artifacts'
}

const HERE = dirname(fileURLToPath(import.meta.url))
/** templates/ at the package root, from src/services or dist/services. */
export const TEMPLATES_DIR = join(HERE, '..', '..', 'templates')

export abstract class BaseService {
  abstract readonly name: string
  /** TCP ports. UDP ports come from udpPorts(cfg). */
  abstract readonly ports: readonly number[]
  readonly defaultImage: string = 'build'
  readonly fleetSingleton: boolean = false
  readonly configSchema: readonly ConfigField[] = []
  /** Container name suffix when it differs from the slug (docker_api → docker-api). */
  protected readonly containerSuffix?: string

  /** UDP ports this service listens on, given its resolved config. */
  udpPorts(_cfg?: ServiceConfig): number[] {
    return []
  }

  /**
   * Coerce persona values through the schema: undeclared
   * keys and empty values are dropped; a bad value throws ServiceConfigError.
   */
  validateCfg(raw: Record<string, unknown> | null | undefined): ServiceConfig {
    const out: ServiceConfig = {}
    if (!raw) return out
    for (const f of this.configSchema) {
      const v = raw[f.key]
      if (v === null || v === undefined || v === '') continue
      out[f.key] = coerce(f, v)
    }
    return out
  }

  /** Keys in `raw` that the schema does not declare (reported as warnings). */
  unknownKeys(raw: Record<string, unknown>): string[] {
    const known = new Set(this.configSchema.map((f) => f.key))
    return Object.keys(raw).filter((k) => !known.has(k))
  }

  /** validateCfg plus the schema defaults: what an emulator receives. */
  resolveConfig(raw: Record<string, unknown> | null | undefined): ServiceConfig {
    const cfg = this.validateCfg(raw)
    for (const f of this.configSchema) {
      if (cfg[f.key] === undefined && f.default !== undefined) cfg[f.key] = f.default
    }
    return cfg
  }

  get containerName(): string {
    return this.containerSuffix ?? this.name
  }

  /**
   * The compose service for this service on one decky. Never networking keys:
   * the composer adds them. `serviceCfg` may be raw INI strings or validated.
   */
  composeFragment(deckyName: string, logTarget?: string, serviceCfg?: ServiceConfig): ComposeService {
    const cfg = this.resolveConfig(serviceCfg)
    const environment: Record<string, string> = { NODE_NAME: deckyName, ...this.environment(cfg) }
    if (logTarget) environment.LOG_TARGET = logTarget
    const frag: ComposeService = {}
    const ctx = this.dockerfileContext()
    if (ctx) frag.build = { context: ctx }
    else frag.image = this.defaultImage
    frag.container_name = `${deckyName}-${this.containerName}`
    frag.restart = 'unless-stopped'
    const caps = this.capAdd()
    if (caps.length) frag.cap_add = caps
    frag.environment = environment
    const volumes = this.volumes(deckyName, cfg)
    if (volumes.length) frag.volumes = volumes
    return frag
  }

  /** Service-specific environment from resolved persona values (default: the schema's `env` names). */
  protected environment(cfg: ServiceConfig): Record<string, string> {
    return envFromSchema(this.configSchema, cfg)
  }

  /**
   * Environment variables of the fragment that carry secret fields. The
   * composer moves them to a 0600 env file instead of the compose file.
   */
  secretEnvNames(): string[] {
    return this.configSchema.filter((f) => f.secret && f.env).map((f) => f.env as string)
  }

  protected capAdd(): string[] {
    return []
  }

  protected volumes(_deckyName: string, _cfg: ServiceConfig): string[] {
    return []
  }

  /** Build-context folder under templates/, or null when defaultImage is used as-is. */
  dockerfileContext(): string | null {
    if (this.defaultImage !== 'build') return null
    const dir = join(TEMPLATES_DIR, this.name)
    return existsSync(dir) ? dir : join(TEMPLATES_DIR, 'emulator')
  }

  /** Lazily loads the wire emulator; undefined when this service has none yet. */
  emulator(): Promise<EmulatorFactory> | undefined {
    return undefined
  }

  /** Logins this service accepts, from its resolved persona keys (what `decnet status` shows an operator). */
  baitAccounts(_cfg: ServiceConfig): BaitAccount[] {
    return []
  }
}

/** A login the decky accepts: the bait an operator can try and watch being tried. */
export interface BaitAccount {
  user: string
  password: string
}

/** A service declared in an INI `[custom-<name>]` section: an image the user brings. */
export class CustomService extends BaseService {
  override readonly defaultImage: string
  constructor(
    readonly name: string,
    image: string,
    readonly execCmd: string,
    readonly ports: readonly number[],
  ) {
    super()
    this.defaultImage = image
  }
  override dockerfileContext(): null {
    return null
  }
  override composeFragment(deckyName: string, logTarget?: string): ComposeService {
    const frag = super.composeFragment(deckyName, logTarget)
    frag.container_name = `${deckyName}-${this.name.replaceAll('_', '-')}`
    const argv = splitCommand(this.execCmd)
    if (argv.length) frag.command = argv
    return frag
  }
}

/** Shell-like word splitting with quotes (upstream split on spaces only). */
export function splitCommand(cmd: string): string[] {
  const out: string[] = []
  let cur = ''
  let quote: '"' | "'" | null = null
  let has = false
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i] as string
    if (quote) {
      if (c === quote) quote = null
      else if (c === '\\' && quote === '"' && i + 1 < cmd.length) cur += cmd[++i]
      else cur += c
    } else if (c === '"' || c === "'") {
      quote = c
      has = true
    } else if (c === '\\' && i + 1 < cmd.length) {
      cur += cmd[++i]
      has = true
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur)
      cur = ''
      has = false
    } else {
      cur += c
    }
  }
  if (has || cur) out.push(cur)
  return out
}
