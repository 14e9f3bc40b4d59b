import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'node:net'
import { randomBytes } from 'node:crypto'
import { BaseService } from '../services/base.js'
import type { EmulatorFactory } from './context.js'
import type { ServiceContext } from './service-context.js'
import { makeServiceContext } from './service-runtime.js'
import { MemorySink } from '../../test/helpers/memory-sink.js'
import { BACKOFF_MS, ServiceSupervisor, serviceScope } from './supervisor.js'
import { installCrashGuard } from './crash-guard.js'

class FakeService extends BaseService {
  readonly name = 'fake'
  readonly ports = [7]
}

async function fakeContext(t: TestContext, sink = new MemorySink()): Promise<{ ctx: ServiceContext; sink: MemorySink }> {
  const home = await mkdtemp(join(tmpdir(), 'decnet-sup-'))
  t.after(() => rm(home, { recursive: true, force: true }))
  const ctx = makeServiceContext({
    decky: { name: 'decky-01', hostname: 'SRV-A', ip: '127.0.0.1', osFamily: 'linux', distro: 'debian' },
    plugin: new FakeService(),
    bindAddress: '127.0.0.1',
    portMap: new Map([[7, 0]]),
    sink,
    home,
    artifactsRoot: join(home, 'artifacts'),
    installSecret: randomBytes(32),
  })
  return { ctx, sink }
}

/** An emulator that listens on a free port and counts its starts; `onData` runs per chunk. */
function echoFactory(counter: { starts: number; ports: number[] }, onData?: (d: Buffer) => void): EmulatorFactory {
  return (ctx) => ({
    async start() {
      counter.starts++
      const bound = await ctx.listenTcp(7, (sock) => {
        sock.on('data', (d: Buffer) => {
          onData?.(d)
          sock.write(d)
        })
      })
      counter.ports.push(bound.port)
    },
  })
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

test('supervisor: a crash is a service_error event and the service restarts after the backoff', async (t) => {
  const { ctx, sink } = await fakeContext(t)
  const counter = { starts: 0, ports: [] as number[] }
  const sup = new ServiceSupervisor(ctx, echoFactory(counter))
  t.after(() => sup.stop())
  assert.equal(await sup.start(), true)
  assert.equal(sup.state, 'running')
  await sup.crashed(new Error('boom'))
  assert.equal(sup.state, 'backoff')
  const ev = await sink.next('service_error')
  assert.deepEqual([ev.decky, ev.service, ev.fields.phase, ev.fields.error, ev.severity], ['decky-01', 'fake', 'crash', 'boom', 3])
  await new Promise((r) => setTimeout(r, BACKOFF_MS.first + 200))
  assert.equal(sup.state, 'running')
  assert.equal(sup.restarts, 1)
  assert.equal(counter.starts, 2)
})

test('supervisor: a start that throws is retried; EACCES makes the service unavailable (no retry)', async (t) => {
  const { ctx, sink } = await fakeContext(t)
  let calls = 0
  const flaky: EmulatorFactory = () => ({
    async start() {
      if (++calls === 1) throw new Error('first start fails')
    },
    async stop() {},
  })
  const sup = new ServiceSupervisor(ctx, flaky)
  t.after(() => sup.stop())
  assert.equal(await sup.start(), false)
  assert.equal(sup.state, 'backoff')
  assert.equal((await sink.next('service_error')).fields.phase, 'start')
  await new Promise((r) => setTimeout(r, BACKOFF_MS.first + 200))
  assert.equal(sup.state, 'running')

  const denied: EmulatorFactory = () => ({
    async start() {
      throw Object.assign(new Error('listen EACCES: permission denied 127.0.0.1:80'), { code: 'EACCES' })
    },
    async stop() {},
  })
  const sup2 = new ServiceSupervisor(ctx, denied)
  t.after(() => sup2.stop())
  assert.equal(await sup2.start(), false)
  assert.equal(sup2.state, 'unavailable')
  assert.equal(sup2.lastErrorCode, 'EACCES')
})

test('crash guard: an error inside the service scope restarts that service only; others are logged', async (t) => {
  const { ctx } = await fakeContext(t)
  const a = new ServiceSupervisor(ctx, echoFactory({ starts: 0, ports: [] }))
  const b = new ServiceSupervisor(ctx, echoFactory({ starts: 0, ports: [] }))
  t.after(() => Promise.all([a.stop(), b.stop()]))
  await a.start()
  await b.start()
  const logs: string[] = []
  const guard = installCrashGuard((s) => s === a || s === b, (m) => logs.push(m))
  t.after(() => guard.release())
  serviceScope.run(a, () => guard.handle(new Error('bug in a'), 'uncaught exception'))
  await until(() => a.state === 'backoff')
  assert.equal(b.state, 'running')
  guard.handle(new Error('nobody'), 'unhandled rejection')
  assert.equal(b.state, 'running')
  assert.match(logs[0] ?? '', /^decky-01\/fake: uncaught exception: Error: bug in a/)
  assert.match(logs[1] ?? '', /^unhandled rejection outside any service \(ignored\): Error: nobody/)
})

test('a throw in a connection handler costs that connection only', async (t) => {
  const { ctx, sink } = await fakeContext(t)
  const counter = { starts: 0, ports: [] as number[] }
  const sup = new ServiceSupervisor(ctx, echoFactory(counter, (d) => {
    if (d.toString() === 'crash') throw new Error('parser bug')
  }))
  t.after(() => sup.stop())
  await sup.start()
  const port = counter.ports[0] as number
  const bad = connect(port, '127.0.0.1', () => bad.write('crash'))
  bad.on('error', () => {})
  await new Promise((r) => bad.on('close', r))
  const ev = await sink.next('service_error', (e) => e.fields.phase === 'session')
  assert.equal(ev.fields.error, 'parser bug')
  assert.equal(ev.fields.src_ip, '127.0.0.1')
  assert.equal(sup.state, 'running')
  // the service still answers
  const good = connect(port, '127.0.0.1', () => good.write('hello'))
  const echoed = await new Promise<string>((resolve) => good.once('data', (d: Buffer) => resolve(d.toString())))
  good.destroy()
  assert.equal(echoed, 'hello')
})

test('connection caps: the per-source cap refuses with connection_refused; a full service evicts for a newcomer', async (t) => {
  const sink = new MemorySink()
  const home = await mkdtemp(join(tmpdir(), 'decnet-caps-'))
  t.after(() => rm(home, { recursive: true, force: true }))
  const service = makeServiceContext({
    decky: { name: 'decky-01', hostname: 'SRV-A', ip: '127.0.0.1', osFamily: 'linux', distro: 'debian' },
    plugin: new FakeService(),
    bindAddress: '127.0.0.1',
    portMap: new Map([[7, 0]]),
    sink,
    home,
    artifactsRoot: join(home, 'a'),
    installSecret: randomBytes(32),
    limits: { maxConnectionsPerIp: 2, maxConnections: 3 },
  })
  const accepted: string[] = []
  const { ctx, scope } = service.openScope()
  const { port } = await ctx.listenTcp(7, (_sock, s) => {
    accepted.push(s.peer.ip)
  })
  const clients: import('node:net').Socket[] = []
  t.after(async () => {
    clients.forEach((c) => c.destroy())
    await scope.close()
  })
  const open = (from: string) =>
    new Promise<import('node:net').Socket>((resolve) => {
      const c = connect({ port, host: '127.0.0.1', localAddress: from }, () => resolve(c))
      c.on('error', () => {})
      clients.push(c)
    })
  await open('127.0.0.1')
  await open('127.0.0.1')
  await open('127.0.0.1') // third from the same IP: refused
  const refusedIp = await sink.next('connection_refused')
  assert.deepEqual([refusedIp.fields.reason, refusedIp.fields.src_ip], ['max_connections_per_ip', '127.0.0.1'])
  await open('127.0.0.2') // another IP: accepted (3 open now)
  await open('127.0.0.3') // over the service cap: the busiest source's oldest idle pre-auth connection makes room
  const evicted = await sink.next('connection_evicted')
  assert.equal(evicted.fields.src_ip, '127.0.0.1')
  await new Promise((r) => setTimeout(r, 50))
  assert.deepEqual(accepted, ['127.0.0.1', '127.0.0.1', '127.0.0.2', '127.0.0.3'])
  assert.equal(sink.ofType('connect').length, 4)
  assert.equal(sink.ofType('connection_refused').filter((e) => e.fields.reason === 'max_connections').length, 0)
})
