// An emulator on loopback with small artifact caps (over-cap upload tests stay
// fast): startEmulator's recipe, with ServiceRuntimeOptions.artifactCaps.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { TestContext } from 'node:test'
import { loadServices, getService } from '../../src/services/registry.js'
import { makeServiceContext } from '../../src/runtime/service-runtime.js'
import type { ArtifactCaps } from '../../src/runtime/artifacts.js'
import { MemorySink } from './memory-sink.js'
import { freePort } from './emulator.js'

export interface CappedEmulator {
  host: string
  port(declared: number): number
  sink: MemorySink
  stop(): Promise<void>
}

export async function startCappedEmulator(t: TestContext, slug: string, config: Record<string, unknown>, caps: ArtifactCaps): Promise<CappedEmulator> {
  await loadServices()
  const plugin = getService(slug)
  const factory = await plugin.emulator()
  if (!factory) throw new Error(`service '${slug}' has no emulator`)
  const host = '127.0.0.1'
  const home = await mkdtemp(join(tmpdir(), `decnet-test-${slug}-`))
  const portMap = new Map<number, number>()
  for (const p of plugin.ports) portMap.set(p, await freePort(host))
  const sink = new MemorySink()
  const service = makeServiceContext({
    decky: { name: 'decky-test', hostname: 'SRV-TEST-01', ip: host, osFamily: 'linux', distro: 'debian' },
    plugin,
    rawConfig: config,
    bindAddress: host,
    portMap,
    sink,
    home,
    artifactsRoot: join(home, 'artifacts'),
    installSecret: randomBytes(32),
    artifactCaps: caps,
  })
  const { ctx, scope } = service.openScope()
  const hp = factory(ctx)
  await hp.start()
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await scope.close()
    await hp.stop?.()
    await rm(home, { recursive: true, force: true })
  }
  t.after(stop)
  return {
    host,
    port: (declared) => {
      const p = portMap.get(declared)
      if (p === undefined) throw new Error(`${slug} declares no port ${declared}`)
      return p
    },
    sink,
    stop,
  }
}
