// Discovers every plugin file in this folder (no hand-kept list), loads them
// on first use, and holds custom services registered from INI sections.
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { BaseService } from './base.js'
import { DecnetError } from '../errors.js'

const HERE = dirname(fileURLToPath(import.meta.url))
const NOT_PLUGINS = new Set(['base', 'registry', 'index'])

let registry: Map<string, BaseService> | undefined
let loading: Promise<Map<string, BaseService>> | undefined

function pluginFiles(): string[] {
  return readdirSync(HERE)
    .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts') && !/\.test\.(ts|js)$/.test(f))
    .filter((f) => !f.startsWith('_') && !NOT_PLUGINS.has(f.replace(/\.(ts|js)$/, '')))
    .sort()
}

/** Load every plugin once. Every other function needs this to have run. */
export async function loadServices(): Promise<Map<string, BaseService>> {
  if (registry) return registry
  loading ??= (async () => {
    const map = new Map<string, BaseService>()
    for (const file of pluginFiles()) {
      const mod = (await import(pathToFileURL(join(HERE, file)).href)) as { default?: unknown }
      const svc = mod.default
      if (!(svc instanceof BaseService)) {
        throw new DecnetError('SERVICE_UNKNOWN', `services/${file}: default export is not a service plugin`)
      }
      if (map.has(svc.name)) throw new DecnetError('SERVICE_UNKNOWN', `services/${file}: duplicate service name '${svc.name}'`)
      map.set(svc.name, svc)
    }
    registry = map
    return map
  })()
  return loading
}

function loaded(): Map<string, BaseService> {
  if (!registry) throw new Error('service registry used before loadServices()')
  return registry
}

export class UnknownServiceError extends DecnetError {
  constructor(readonly service: string, available: string[]) {
    super('SERVICE_UNKNOWN', `Unknown service: '${service}'. Available: ${available.join(', ')}`)
  }
}

export function getService(name: string): BaseService {
  const svc = loaded().get(name)
  if (!svc) throw new UnknownServiceError(name, [...loaded().keys()].sort())
  return svc
}

export function hasService(name: string): boolean {
  return loaded().has(name)
}

/** A copy of the registry. */
export function allServices(): Map<string, BaseService> {
  return new Map(loaded())
}

/** Sorted names of services a decky can run (fleet singletons excluded). */
export function deckyServiceNames(): string[] {
  return [...loaded().values()].filter((s) => !s.fleetSingleton).map((s) => s.name).sort()
}

export function registerCustomService(svc: BaseService): void {
  loaded().set(svc.name, svc)
}
