// Assembles a HoneypotContext for one service of one decky, the same way for
// the local engine, the native engine's workers, containers and tests.
import { join } from 'node:path'
import type { BaseService } from '../services/base.js'
import type { DeckyIdentity, Logger, ServiceLimits } from './context.js'
import type { EventSink } from '../events/sink.js'
import { createContext, serviceStateDir, type ServiceContext } from './service-context.js'
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
  /**
   * This service's quarantine folder, instead of `<artifactsRoot>/<decky>/<service>`
   * (a container's bind mount, DECNET_QUARANTINE_DIR). The default quota
   * then counts this folder: it is all of the decky the container can see.
   */
  artifactsDir?: string
  /** Seeds ctx.rng/deckyRng through SeededRng.deckyKey(installSecret, decky name). */
  installSecret?: Buffer
  /**
   * That per-decky key itself (32 bytes; a container's DECNET_DECKY_KEY).
   * Takes precedence over installSecret; the values are identical.
   */
  deckyKey?: Buffer
  limits?: Partial<ServiceLimits>
  artifactCaps?: ArtifactCaps
  /** Shared by all services of one decky so the per-decky cap holds. */
  quota?: DeckyQuota
  /** Internal diagnostics; default: none. */
  log?: Logger
}

/** Length of a decky key / DECNET_DECKY_KEY (HMAC-SHA256). */
export const DECKY_KEY_BYTES = 32

export function deckyQuota(artifactsRoot: string, decky: string, caps: ArtifactCaps = DEFAULT_ARTIFACT_CAPS): DeckyQuota {
  return new DeckyQuota(join(artifactsRoot, decky), caps.maxDeckyBytes)
}

/** The decky key from a seed or an install secret (see ServiceRuntimeOptions). */
export function deckyKeyOf(o: Pick<ServiceRuntimeOptions, 'installSecret' | 'deckyKey' | 'decky'>): Buffer {
  if (o.deckyKey) {
    if (o.deckyKey.length !== DECKY_KEY_BYTES) throw new RangeError(`decky key: expected ${DECKY_KEY_BYTES} bytes, got ${o.deckyKey.length}`)
    return o.deckyKey
  }
  if (o.installSecret) return SeededRng.deckyKey(o.installSecret, o.decky.name)
  throw new RangeError('makeServiceContext: installSecret or deckyKey is required')
}

export function makeServiceContext(o: ServiceRuntimeOptions): ServiceContext {
  const caps = o.artifactCaps ?? DEFAULT_ARTIFACT_CAPS
  const quota = o.quota ?? (o.artifactsDir ? new DeckyQuota(o.artifactsDir, caps.maxDeckyBytes) : deckyQuota(o.artifactsRoot, o.decky.name, caps))
  const key = deckyKeyOf(o)
  const artifactsDir = o.artifactsDir ?? join(o.artifactsRoot, o.decky.name, o.plugin.name)
  return createContext({
    decky: o.decky,
    service: o.plugin.name,
    config: o.plugin.resolveConfig(o.rawConfig ?? {}),
    bindAddress: o.bindAddress,
    portMap: o.portMap,
    portOffset: o.portOffset,
    sink: o.sink,
    rng: new SeededRng(key).fork(`service:${o.plugin.name}`),
    deckyRng: new SeededRng(key).fork('decky'),
    limits: { ...DEFAULT_LIMITS, ...o.limits },
    stateDir: serviceStateDir(o.home, o.decky.name, o.plugin.name),
    artifacts: (events) => new FileArtifactStore(artifactsDir, quota, events, caps),
    ...(o.log ? { log: o.log } : {}),
  })
}
