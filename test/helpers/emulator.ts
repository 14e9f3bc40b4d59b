// Starts one emulator on loopback with free ports, a memory event sink and a
// throwaway data dir; stops and cleans up in t.after.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { createSocket } from 'node:dgram'
import { randomBytes } from 'node:crypto'
import type { TestContext } from 'node:test'
import { loadServices, getService } from '../../src/services/registry.js'
import { makeServiceContext } from '../../src/runtime/service-runtime.js'
import { MemorySink } from './memory-sink.js'
import type { DeckyIdentity, HoneypotContext, ServiceLimits } from '../../src/runtime/context.js'
import type { ListenerScope } from '../../src/runtime/listeners.js'

export interface StartedEmulator {
  host: string
  /** The start's sockets (what is bound, open sessions). */
  scope: ListenerScope
  port(declared: number): number
  ctx: HoneypotContext
  sink: MemorySink
  artifactsDir: string
  home: string
  stop(): Promise<void>
}

export interface StartOptions {
  decky?: Partial<DeckyIdentity>
  limits?: Partial<ServiceLimits>
  /** Same secret → same per-decky values (host keys, serials) across two starts. */
  installSecret?: Buffer
}

function freeTcpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, host, () => {
      const addr = s.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      s.close(() => resolve(port))
    })
  })
}

function udpPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4')
    s.once('error', () => resolve(false))
    s.bind(port, host, () => s.close(() => resolve(true)))
  })
}

export async function freePort(host = '127.0.0.1', needUdp = false): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const p = await freeTcpPort(host)
    if (!needUdp || (await udpPortFree(host, p))) return p
  }
  throw new Error('no free port')
}

export async function startEmulator(
  t: TestContext,
  slug: string,
  config: Record<string, unknown> = {},
  opts: StartOptions = {},
): Promise<StartedEmulator> {
  await loadServices()
  const plugin = getService(slug)
  const factoryPromise = plugin.emulator()
  if (!factoryPromise) throw new Error(`service '${slug}' has no emulator`)
  const factory = await factoryPromise
  const host = '127.0.0.1'
  const home = await mkdtemp(join(tmpdir(), `decnet-test-${slug}-`))
  const artifactsDir = join(home, 'artifacts')
  const resolved = plugin.resolveConfig(config)
  const udp = new Set(plugin.udpPorts(resolved))
  const portMap = new Map<number, number>()
  for (const p of new Set([...plugin.ports, ...udp])) portMap.set(p, await freePort(host, udp.has(p)))
  const sink = new MemorySink()
  const decky: DeckyIdentity = {
    name: 'decky-test',
    hostname: 'SRV-TEST-01',
    ip: host,
    osFamily: 'linux',
    distro: 'debian',
    ...opts.decky,
  }
  const service = makeServiceContext({
    decky,
    plugin,
    rawConfig: config,
    bindAddress: host,
    portMap,
    sink,
    home,
    artifactsRoot: artifactsDir,
    installSecret: opts.installSecret ?? randomBytes(32),
    limits: opts.limits,
  })
  // one start attempt, as the supervisor runs it, but a failure throws here
  const { ctx, scope } = service.openScope()
  const hp = factory(ctx)
  try {
    await hp.start()
  } catch (e) {
    await scope.close()
    await rm(home, { recursive: true, force: true })
    throw e
  }
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
    port: (declared: number) => {
      const p = portMap.get(declared)
      if (p === undefined) throw new Error(`${slug} declares no port ${declared}`)
      return p
    },
    ctx,
    scope,
    sink,
    artifactsDir,
    home,
    stop,
  }
}
