// Starts one emulator on loopback with free ports, a memory event sink and a
// throwaway data dir; stops and cleans up in t.after.
//
// The emulator listens on one loopback address (`host`) and the tests' clients
// come from another (`client`), so a capture that logged the server's own
// address instead of the peer's fails. Clients that can pick their source bind
// to `client` (net/tls `localAddress`, ssh2's `localAddress`, `clientFetch`,
// nmap -S, curl --interface, ssh -b). For tools that cannot, start with
// `{ kernelSource: true }`: the emulator then listens on 127.0.0.5 and the
// kernel picks 127.0.0.1 as the source of a plain connect.
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
import type { EventSink } from '../../src/events/sink.js'
import type { DeckyIdentity, HoneypotContext, ServiceLimits } from '../../src/runtime/context.js'
import type { ListenerScope } from '../../src/runtime/listeners.js'
import type { ArtifactCaps } from '../../src/runtime/artifacts.js'

/** Where emulators listen by default, and where clients come from. */
export const SERVER_ADDRESS = '127.0.0.1'
export const CLIENT_ADDRESS = '127.0.0.2'
/** With kernelSource: the server address, and the source Linux picks for 127.0.0.0/8 (the lo route's src). */
export const KERNEL_SERVER_ADDRESS = '127.0.0.5'
export const KERNEL_SOURCE_ADDRESS = '127.0.0.1'

export interface StartedEmulator {
  /** The address the emulator listens on. */
  host: string
  /** The address test clients connect from; every capture must name it as src_ip. */
  client: string
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
  /** Listen on 127.0.0.5; clients that cannot bind a source come from 127.0.0.1. */
  kernelSource?: boolean
  /** Wraps the sink the emulator writes to (tests of the tests: a deliberately wrong capture). */
  wrapSink?: (sink: EventSink, host: string) => EventSink
  /** Wraps the context the emulator's factory gets (a test that watches or adjusts what it asks the runtime for). */
  wrapContext?: (ctx: HoneypotContext) => HoneypotContext
  /** Declared port → the port to bind instead of a free one (e.g. the real 445, for a scanner's port guess; needs root below 1024). */
  fixedPorts?: Record<number, number>
  /** Small artifact caps, so over-cap upload tests stay fast. */
  artifactCaps?: ArtifactCaps
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
  const host = opts.kernelSource ? KERNEL_SERVER_ADDRESS : SERVER_ADDRESS
  const client = opts.kernelSource ? KERNEL_SOURCE_ADDRESS : CLIENT_ADDRESS
  const home = await mkdtemp(join(tmpdir(), `decnet-test-${slug}-`))
  const artifactsDir = join(home, 'artifacts')
  const resolved = plugin.resolveConfig(config)
  const udp = new Set(plugin.udpPorts(resolved))
  const portMap = new Map<number, number>()
  for (const p of new Set([...plugin.ports, ...udp])) portMap.set(p, opts.fixedPorts?.[p] ?? (await freePort(host, udp.has(p))))
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
    sink: opts.wrapSink ? opts.wrapSink(sink, host) : sink,
    home,
    artifactsRoot: artifactsDir,
    installSecret: opts.installSecret ?? randomBytes(32),
    limits: opts.limits,
    ...(opts.artifactCaps ? { artifactCaps: opts.artifactCaps } : {}),
  })
  // one start attempt, as the supervisor runs it, but a failure throws here
  const { ctx, scope } = service.openScope()
  const hp = factory(opts.wrapContext ? opts.wrapContext(ctx) : ctx)
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
    client,
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
