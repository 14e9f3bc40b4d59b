// What the emulator benches share: one emulator started in this process on
// free loopback ports (caps lifted so the bench measures the protocol, not
// admission), and raw-vs-emulator rounds run alternately, compared by median.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { getService, loadServices } from '../src/services/registry.js'
import { makeServiceContext } from '../src/runtime/service-runtime.js'
import type { EventSink } from '../src/events/sink.js'
import type { HoneypotContext } from '../src/runtime/context.js'

export const BENCH_HOST = '127.0.0.1'

export interface BenchEmulator {
  ctx: HoneypotContext
  /** The port bound for a declared one. */
  port(declared: number): number
  stop(): Promise<void>
}

export async function startBenchEmulator(slug: string, o: { config?: Record<string, unknown>; hostname?: string; sink?: EventSink; extraPorts?: number[] } = {}): Promise<BenchEmulator> {
  await loadServices()
  const plugin = getService(slug)
  const factory = await plugin.emulator()
  if (!factory) throw new Error(`${slug} has no emulator`)
  const cfg = plugin.resolveConfig(o.config ?? {})
  // every declared port (and extra ones, such as an ftp passive port) on a free one
  const declared = [...plugin.ports, ...plugin.udpPorts(cfg), ...(o.extraPorts ?? [])]
  const home = mkdtempSync(join(tmpdir(), `decnet-bench-${slug}-`))
  const svc = makeServiceContext({
    decky: { name: 'decky-01', hostname: o.hostname ?? 'bench', ip: BENCH_HOST, osFamily: 'linux', distro: 'debian' },
    plugin,
    rawConfig: o.config ?? {},
    bindAddress: BENCH_HOST,
    portMap: new Map(declared.map((p) => [p, 0])),
    sink: o.sink ?? { write: () => {} },
    home,
    artifactsRoot: join(home, 'a'),
    installSecret: randomBytes(32),
    limits: { maxConnections: 100_000, maxConnectionsPerIp: 100_000 },
  })
  const { ctx, scope } = svc.openScope()
  const hp = factory(ctx)
  await hp.start()
  return {
    ctx,
    port: (d) => {
      const b = scope.bound.find((l) => l.declared === d)
      if (!b) throw new Error(`${slug} bound no port for ${d}`)
      return b.port
    },
    async stop() {
      await scope.close()
      await hp.stop?.()
      rmSync(home, { recursive: true, force: true })
    },
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

/** Runs raw and emulator alternately `rounds` times (the machine is noisy); the median rate of each. */
export async function sideBySide(rounds: number, raw: (round: number) => Promise<number>, emulator: (round: number) => Promise<number>): Promise<[number, number]> {
  const r: number[] = []
  const k: number[] = []
  for (let i = 0; i < rounds; i++) {
    r.push(await raw(i))
    k.push(await emulator(i))
  }
  return [median(r), median(k)]
}
