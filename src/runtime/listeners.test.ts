// The runtime owns every socket: a start that hangs or fails leaves nothing
// bound, a restart binds again, stop ends every session; UDP flows get the
// same caps and events as TCP connections. Clients connect from 127.0.0.3 to
// servers on 127.0.0.1, so source addresses are really checked.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { randomBytes } from 'node:crypto'
import { BaseService } from '../services/base.js'
import type { EmulatorFactory, ServiceLimits } from './context.js'
import { makeServiceContext } from './service-runtime.js'
import type { ServiceContext } from './service-context.js'
import { ScopeClosedError } from './listeners.js'
import { ServiceSupervisor, BACKOFF_MS } from './supervisor.js'
import { StartGate } from './start-gate.js'
import { deckyCertificate } from '../honeypots/shared/tls.js'
import { MemorySink } from '../../test/helpers/memory-sink.js'
import { freePort } from '../../test/helpers/emulator.js'
import { boundSockets } from '../../test/helpers/proc-net.js'

const SERVER = '127.0.0.1'
const CLIENT = '127.0.0.3'

class FakeService extends BaseService {
  readonly name = 'fake'
  readonly ports = [7]
}

async function service(t: TestContext, port: number, limits: Partial<ServiceLimits> = {}): Promise<{ svc: ServiceContext; sink: MemorySink }> {
  const home = await mkdtemp(join(tmpdir(), 'decnet-listen-'))
  t.after(() => rm(home, { recursive: true, force: true }))
  const sink = new MemorySink()
  const svc = makeServiceContext({
    decky: { name: 'decky-01', hostname: 'SRV-A', ip: SERVER, osFamily: 'linux', distro: 'debian' },
    plugin: new FakeService(),
    bindAddress: SERVER,
    portMap: new Map([[7, port]]),
    sink,
    home,
    artifactsRoot: join(home, 'artifacts'),
    installSecret: randomBytes(32),
    limits,
  })
  return { svc, sink }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const listening = (port: number) => boundSockets('tcp').has(`${SERVER}:${port}`)

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await sleep(10)
  }
}

function echoOnce(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect({ host: SERVER, port, localAddress: CLIENT }, () => c.write(text))
    c.once('data', (d: Buffer) => {
      c.destroy()
      resolve(d.toString())
    })
    c.once('error', reject)
  })
}

test('a start that binds and then hangs past the timeout: the port is freed, the retry binds it, stop leaves no listener', async (t) => {
  const port = await freePort(SERVER)
  const { svc, sink } = await service(t, port)
  let attempts = 0
  const factory: EmulatorFactory = (ctx) => ({
    async start() {
      attempts++
      await ctx.listenTcp(7, (sock) => sock.on('data', (d: Buffer) => sock.write(d)))
      if (attempts === 1) await new Promise(() => {}) // never finishes
    },
  })
  const sup = new ServiceSupervisor(svc, factory, { startTimeoutMs: 300, gate: new StartGate(1) })
  t.after(() => sup.stop())
  assert.equal(await sup.start(), false)
  assert.equal(sup.state, 'backoff')
  assert.match((await sink.next('service_error')).fields.error ?? '', /start timed out/)
  assert.equal(listening(port), false, 'the timed-out attempt still holds its port')
  await until(() => sup.state === 'running', BACKOFF_MS.first + 2000)
  assert.equal(attempts, 2)
  assert.equal(await echoOnce(port, 'again'), 'again')
  await sup.stop()
  assert.equal(listening(port), false, 'a listener is left after stop')
})

test('a start that binds only after its timeout: the late listener is closed at once, the retry binds', async (t) => {
  const port = await freePort(SERVER)
  const { svc } = await service(t, port)
  let attempts = 0
  const late: { error?: unknown } = {}
  const factory: EmulatorFactory = (ctx) => ({
    async start() {
      if (++attempts === 1) {
        await sleep(500)
        try {
          await ctx.listenTcp(7, () => {})
        } catch (e) {
          late.error = e
          throw e
        }
        return
      }
      await ctx.listenTcp(7, (sock) => sock.on('data', (d: Buffer) => sock.write(d)))
    },
  })
  const sup = new ServiceSupervisor(svc, factory, { startTimeoutMs: 200, gate: new StartGate(1) })
  t.after(() => sup.stop())
  assert.equal(await sup.start(), false)
  await until(() => late.error !== undefined)
  assert.ok(late.error instanceof ScopeClosedError, `the late listen should fail with ScopeClosedError, got ${String(late.error)}`)
  assert.equal(listening(port), false)
  await until(() => sup.state === 'running', BACKOFF_MS.first + 2000)
  assert.equal(await echoOnce(port, 'x'), 'x')
})

test('stop ends every open session with a disconnect event and frees the port for a new bind', async (t) => {
  const port = await freePort(SERVER)
  const { svc, sink } = await service(t, port)
  const sup = new ServiceSupervisor(svc, (ctx) => ({ start: async () => void (await ctx.listenTcp(7, () => {})) }))
  await sup.start()
  const clients: Socket[] = []
  for (let i = 0; i < 3; i++) {
    clients.push(await new Promise<Socket>((resolve) => {
      const c = connect({ host: SERVER, port, localAddress: CLIENT }, () => resolve(c))
      c.on('error', () => {})
    }))
  }
  await until(() => sink.ofType('connect').length === 3)
  const closed = Promise.all(clients.map((c) => new Promise((r) => c.once('close', r))))
  await sup.stop()
  await closed
  const ends = sink.ofType('disconnect')
  assert.equal(ends.length, 3)
  for (const e of ends) {
    assert.equal(e.fields.reason, 'service_stop')
    assert.equal(e.fields.src_ip, CLIENT)
  }
  assert.equal(listening(port), false)
  // the same supervisor starts again on the same port
  await sup.start()
  assert.equal(sup.state, 'running')
  assert.deepEqual(sup.bound.map((b) => [b.proto, b.port]), [['tcp', port]])
  await sup.stop()
})

test('a connect event carries the client address and port, not the server one', async (t) => {
  const port = await freePort(SERVER)
  const { svc, sink } = await service(t, port)
  const { ctx, scope } = svc.openScope()
  t.after(() => scope.close())
  await ctx.listenTcp(7, (sock, s) => sock.end(`${s.peer.ip}:${s.peer.port}`))
  const seen = await new Promise<{ local: number; text: string }>((resolve) => {
    const c = connect({ host: SERVER, port, localAddress: CLIENT })
    let text = ''
    c.on('data', (d: Buffer) => (text += d.toString()))
    c.on('end', () => resolve({ local: c.localPort ?? 0, text }))
  })
  assert.equal(seen.text, `${CLIENT}:${seen.local}`)
  const ev = await sink.next('connect')
  assert.deepEqual([ev.fields.src_ip, ev.fields.src_port, ev.fields.dst_port], [CLIENT, String(seen.local), String(port)])
})

test('listenTls: handshake event with version, SNI and ALPN; a failed handshake is tls_handshake_failed and ends the session', async (t) => {
  const port = await freePort(SERVER)
  const { svc, sink } = await service(t, port)
  const { ctx, scope } = svc.openScope()
  t.after(() => scope.close())
  const { key, cert } = await deckyCertificate(ctx, { cn: 'www.example.test' })
  await ctx.listenTls(7, { key, cert, ALPNProtocols: ['http/1.1'] }, (tls) => tls.on('data', (d: Buffer) => tls.write(d)))
  const echoed = await new Promise<string>((resolve, reject) => {
    const c = tlsConnect({ socket: connect({ host: SERVER, port, localAddress: CLIENT }), servername: 'portal.example.test', ALPNProtocols: ['http/1.1'], rejectUnauthorized: false }, () => c.write('ping'))
    c.once('data', (d: Buffer) => {
      c.destroy()
      resolve(d.toString())
    })
    c.once('error', reject)
  })
  assert.equal(echoed, 'ping')
  const hs = await sink.next('tls_handshake')
  assert.equal(hs.fields.src_ip, CLIENT)
  assert.equal(hs.fields.sni, 'portal.example.test')
  assert.equal(hs.fields.alpn, 'http/1.1')
  assert.match(hs.fields.tls_version ?? '', /^TLSv1\.[23]$/)
  // plaintext garbage where a ClientHello belongs
  await new Promise<void>((resolve) => {
    const c = connect({ host: SERVER, port, localAddress: CLIENT }, () => c.write('GET / HTTP/1.0\r\n\r\n'))
    c.on('error', () => {})
    c.on('close', () => resolve())
  })
  const failed = await sink.next('tls_handshake_failed')
  assert.equal(failed.fields.src_ip, CLIENT)
  const end = await sink.next('disconnect', (e) => e.fields.reason === 'tls_handshake_failed')
  assert.equal(end.fields.src_ip, CLIENT)
})

// ---------------------------------------------------------------- UDP

async function udpClient(t: TestContext, from = CLIENT): Promise<UdpSocket> {
  const c = createSocket('udp4')
  await new Promise<void>((r) => c.bind(0, from, () => r()))
  t.after(() => new Promise<void>((r) => c.close(() => r())))
  return c
}

function send(c: UdpSocket, port: number, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => c.send(data, port, SERVER, (e) => (e ? reject(e) : resolve())))
}

function nextReply(c: UdpSocket, ms = 2000): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      c.off('message', on)
      resolve(undefined)
    }, ms)
    const on = (m: Buffer) => {
      clearTimeout(timer)
      resolve(m)
    }
    c.once('message', on)
  })
}

test('udp: a flow per source with connect/disconnect events, replies to the sender, idle expiry', async (t) => {
  const port = await freePort(SERVER, true)
  const { svc, sink } = await service(t, port, { idleTimeoutMs: 300 })
  const { ctx, scope } = svc.openScope()
  t.after(() => scope.close())
  const bound = await ctx.listenUdp(7, (d) => {
    d.emit('query', { text: d.data.toString() })
    d.reply(Buffer.from(`echo ${d.data.toString()} to ${d.peer.ip}`))
  })
  assert.deepEqual([bound.proto, bound.port], ['udp', port])
  assert.ok(boundSockets('udp').has(`${SERVER}:${port}`))
  const c = await udpClient(t)
  const replied = nextReply(c)
  await send(c, port, 'one')
  assert.equal((await replied)?.toString(), `echo one to ${CLIENT}`)
  const r2 = nextReply(c)
  await send(c, port, 'two')
  await r2
  const connects = sink.ofType('connect')
  assert.equal(connects.length, 1, 'one connect per flow')
  const cport = String(c.address().port)
  assert.deepEqual([connects[0]?.fields.src_ip, connects[0]?.fields.src_port, connects[0]?.fields.transport], [CLIENT, cport, 'udp'])
  assert.deepEqual(sink.ofType('query').map((e) => [e.fields.text, e.fields.src_ip, e.fields.src_port]), [['one', CLIENT, cport], ['two', CLIENT, cport]])
  const end = await sink.next('disconnect', () => true, 3000)
  assert.deepEqual([end.fields.reason, end.fields.datagrams, end.fields.src_ip, end.fields.session], ['idle_timeout', '2', CLIENT, connects[0]?.fields.session])
})

test('udp: a flooding source is rate limited (one event), a handler bug costs one datagram, a neighbour is still answered', async (t) => {
  const port = await freePort(SERVER, true)
  const { svc, sink } = await service(t, port, { udpDatagramsPerSecond: 20 })
  const { ctx, scope } = svc.openScope()
  t.after(() => scope.close())
  let handled = 0
  await ctx.listenUdp(7, (d) => {
    handled++
    if (d.data.toString() === 'bug') throw new Error('parser bug')
    d.reply(Buffer.from('ok'))
  })
  const flood = await udpClient(t)
  await send(flood, port, 'bug')
  await sink.next('service_error')
  for (let i = 0; i < 200; i++) await send(flood, port, `q${i}`)
  const limited = await sink.next('rate_limited')
  assert.equal(limited.fields.src_ip, CLIENT)
  await sleep(100)
  assert.ok(handled <= 25, `a 20/s budget handled ${handled} of 201 datagrams`)
  assert.equal(sink.ofType('rate_limited').length, 1, 'one rate_limited event, not one per datagram')
  const other = await udpClient(t, '127.0.0.4')
  const reply = nextReply(other)
  await send(other, port, 'hello')
  assert.equal((await reply)?.toString(), 'ok')
})

test('udp: per-source flow caps refuse new flows with one connection_refused; replies stop at the byte budget', async (t) => {
  const port = await freePort(SERVER, true)
  const { svc, sink } = await service(t, port, { maxConnectionsPerIp: 2, udpReplyBytesPerSecond: 1000 })
  const { ctx, scope } = svc.openScope()
  t.after(() => scope.close())
  const sent: boolean[] = []
  await ctx.listenUdp(7, (d) => {
    // a 400-byte answer to every query: amplification the budget must stop
    sent.push(d.reply(Buffer.alloc(400, 0x41)))
  })
  const a = await udpClient(t)
  const b = await udpClient(t)
  const c = await udpClient(t)
  await send(a, port, 'x')
  await send(b, port, 'x')
  await send(c, port, 'x')
  await send(c, port, 'x')
  const refused = await sink.next('connection_refused')
  assert.deepEqual([refused.fields.reason, refused.fields.src_ip, refused.fields.transport], ['max_connections_per_ip', CLIENT, 'udp'])
  await sleep(100)
  assert.equal(sink.ofType('connection_refused').length, 1)
  assert.equal(sink.ofType('connect').length, 2)
  for (let i = 0; i < 5; i++) await send(a, port, 'x')
  await sleep(100)
  // flow a: 1 + 5 queries in ~0.1 s on a 1000 bytes/s budget → 2 answers of 400 bytes (a third if the refill allows), the rest refused
  const fromA = sent.slice(0, 1).concat(sent.slice(2))
  assert.equal(fromA.length, 6)
  const answered = fromA.filter(Boolean).length
  assert.ok(answered >= 2 && answered <= 3, `replies sent: ${JSON.stringify(sent)}`)
})

test('udp: stop closes the socket (the port can be bound again) and ends flows with service_stop', async (t) => {
  const port = await freePort(SERVER, true)
  const { svc, sink } = await service(t, port)
  const sup = new ServiceSupervisor(svc, (ctx) => ({ start: async () => void (await ctx.listenUdp(7, (d) => void d.reply(d.data))) }))
  await sup.start()
  const c = await udpClient(t)
  const r = nextReply(c)
  await send(c, port, 'x')
  await r
  await sup.stop()
  assert.equal(boundSockets('udp').has(`${SERVER}:${port}`), false)
  const end = await sink.next('disconnect')
  assert.deepEqual([end.fields.reason, end.fields.transport], ['service_stop', 'udp'])
  await sup.start()
  assert.equal(sup.state, 'running')
  await sup.stop()
})

// ---------------------------------------------------------------- fair slots

function openFrom(port: number, from: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const c = connect({ host: SERVER, port, localAddress: from }, () => resolve(c))
    c.once('error', reject)
  })
}

test('a full service drops the oldest idle pre-auth connection of the busiest source for a newcomer; logged-in ones are kept', async (t) => {
  const port = await freePort(SERVER)
  const { svc, sink } = await service(t, port, { maxConnections: 4, maxConnectionsPerIp: 10 })
  const { ctx, scope } = svc.openScope()
  t.after(() => scope.close())
  await ctx.listenTcp(7, (sock, s) => {
    sock.on('data', (d: Buffer) => {
      if (d.toString() === 'login') s.authenticated()
      sock.write('ok')
    })
  })
  const hog = '127.0.0.5'
  const held: Socket[] = []
  t.after(() => held.forEach((c) => c.destroy()))
  for (let i = 0; i < 3; i++) {
    held.push(await openFrom(port, hog))
    await sleep(20)
  }
  // the hog's second connection stays busy, its first is the oldest idle one
  held[1]?.write('ping')
  const other = await openFrom(port, '127.0.0.6')
  held.push(other)
  await until(() => sink.ofType('connect').length === 4)
  const firstPort = String(held[0]?.localPort)
  const firstClosed = new Promise((r) => held[0]?.once('close', r))
  const newcomer = await openFrom(port, CLIENT)
  held.push(newcomer)
  await firstClosed
  const evicted = await sink.next('connection_evicted')
  assert.deepEqual([evicted.fields.src_ip, evicted.fields.src_port, evicted.fields.reason], [hog, firstPort, 'service_full'])
  assert.equal((await sink.next('disconnect', (e) => e.fields.reason === 'evicted')).fields.src_ip, hog)
  const answer = await new Promise<string>((resolve) => {
    newcomer.once('data', (d: Buffer) => resolve(d.toString()))
    newcomer.write('hello')
  })
  assert.equal(answer, 'ok')
  assert.equal(sink.ofType('connection_refused').length, 0)

  // now every connection logs in: a fifth is refused, nobody is dropped
  for (const c of held.slice(1)) c.write('login')
  await sleep(100)
  const late = connect({ host: SERVER, port, localAddress: '127.0.0.7' })
  late.on('error', () => {})
  const refused = await sink.next('connection_refused')
  assert.deepEqual([refused.fields.reason, refused.fields.src_ip], ['max_connections', '127.0.0.7'])
  assert.equal(sink.ofType('connection_evicted').length, 1)
})

test('the handshake deadline closes a connection that has not logged in, not one that has', async (t) => {
  const port = await freePort(SERVER)
  const { svc, sink } = await service(t, port)
  const { ctx, scope } = svc.openScope()
  t.after(() => scope.close())
  await ctx.listenTcp(7, (sock, s) => sock.on('data', () => s.authenticated()), { handshakeTimeoutMs: 300, handshakeReason: 'login_grace_timeout' })
  const lazy = await openFrom(port, CLIENT)
  const lazyPort = String(lazy.localPort)
  const quick = await openFrom(port, CLIENT)
  quick.write('user pass')
  t.after(() => quick.destroy())
  await new Promise((r) => lazy.once('close', r))
  const bye = await sink.next('disconnect')
  assert.deepEqual([bye.fields.reason, bye.fields.src_port], ['login_grace_timeout', lazyPort])
  await sleep(300)
  assert.equal(quick.destroyed, false, 'the logged-in connection was closed')
})
