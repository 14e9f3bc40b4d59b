// Assembles a HoneypotContext for one service of one decky, the same way for
// the local engine, the native engine's workers, containers and tests.
import { join } from 'node:path'
import type { BaseService } from '../services/base.js'
import type { DeckyIdentity, EventSink, HoneypotContext, ServiceLimits } from './context.js'
import { createContext, serviceStateDir } from './service-context.js'
import { DeckyQuota, DEFAULT_ARTIFACT_CAPS, FileArtifactStore, type ArtifactCaps } from './artifacts.js'
import { SeededRng } from './rng.js'
import { DEFAULT_LIMITS } from './limits.js'

export interface ServiceRuntimeOptions {
  decky: DeckyIdentity
  plugin: BaseService
  /** Raw persona values (INI strings or validated); resolved through the schema here. */
  rawConfig?: Record<string, unknown>
  bindAddress: string
  portMap?: Map<number, number>
  portOffset?: number
  sink: EventSink
  /** decnet data dir (state/, keys). */
  home: string
  artifactsRoot: string
  installSecret: Buffer
  limits?: Partial<ServiceLimits>
  artifactCaps?: ArtifactCaps
  /** Shared by all services of one decky so the per-decky cap holds. */
  quota?: DeckyQuota
  /** Internal diagnostics; default: warnings to stderr. */
  log?: { debug(msg: string): void; warn(msg: string): void }
}

export function deckyQuota(artifactsRoot: string, decky: string, caps: ArtifactCaps = DEFAULT_ARTIFACT_CAPS): DeckyQuota {
  return new DeckyQuota(join(artifactsRoot, decky), caps.maxDeckyBytes)
}

export function makeServiceContext(o: ServiceRuntimeOptions): HoneypotContext {
  const caps = o.artifactCaps ?? DEFAULT_ARTIFACT_CAPS
  const quota = o.quota ?? deckyQuota(o.artifactsRoot, o.decky.name, caps)
  return createContext({
    decky: o.decky,
    service: o.plugin.name,
    config: o.plugin.resolveConfig(o.rawConfig ?? {}),
    bindAddress: o.bindAddress,
    portMap: o.portMap,
    portOffset: o.portOffset,
    sink: o.sink,
    rng: SeededRng.forDecky(o.installSecret, o.decky.name).fork(`service:${o.plugin.name}`),
    deckyRng: SeededRng.forDecky(o.installSecret, o.decky.name).fork('decky'),
    limits: { ...DEFAULT_LIMITS, ...o.limits },
    stateDir: serviceStateDir(o.home, o.decky.name, o.plugin.name),
    artifacts: (events) => new FileArtifactStore(join(o.artifactsRoot, o.decky.name, o.plugin.name), quota, events, caps),
    ...(o.log ? { log: o.log } : {}),
  })
}
