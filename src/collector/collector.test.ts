import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect as tlsConnect } from 'node:tls'
import { encodeSecret, type DecnetEvent } from '../events/event.js'
import { Ingester, openStore, type Store } from '../store/index.js'
import { formatEvent } from '../syslog/index.js'
import { Collector, SyslogForwarder, type CollectorLimits, type Endpoint } from './index.js'

const HOST = '127.0.0.1'

function event(i: number, fields: Record<string, string> = {}): DecnetEvent {
  return {
    time: `2026-11-28T02:00:00.${String(i).padStart(6, '0')}+00:00`,
    decky: 'decky-01',
    service: 'ssh',
    type: 'auth_attempt',
    severity: 6,
    fields: { src_ip: '192.0.2.44', src_port: String(40000 + i), username: 'root', ...encodeSecret(`pw${i}`), ...fields },
  }
}

interface Rig {
  store: Store
  ingester: Ingester
  collector: Collector
  addr(proto: string): Endpoint
  /** Waits until the store holds n events (and n rejects if given). */
  waitFor(n: number, rejects?: number): Promise<void>
  dir: string
}

async function rig(t: TestContext, opts: { tls?: { cert: string; key: string; ca?: string }; limits?: Partial<CollectorLimits>; port?: number } = {}): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-collect-'))
  const store = openStore(dir)
  const ingester = new Ingester(store, { flushMs: 10 })
  const listen: Endpoint[] = [
    { proto: 'udp', host: HOST, port: 0 },
    { proto: 'tcp', host: HOST, port: opts.port ?? 0 },
  ]
  if (opts.tls) listen.push({ proto: 'tls', host: HOST, port: 0 })
  const collector = new Collector({ listen, sink: ingester, tls: opts.tls, limits: opts.limits })
  await collector.start()
  t.after(async () => {
    await collector.stop()
    await ingester.close()
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return {
    store,
    ingester,
    collector,
    dir,
    addr: (proto) => collector.addresses().find((a) => a.proto === proto)!,
    async waitFor(n, rejects = 0) {
      const deadline = Date.now() + 5000
      for (;;) {
        await ingester.flush()
        const c = await store.counts()
        if (c.events >= n && c.rejects >= rejects) return
        if (Date.now() > deadline) throw new Error(`timeout: ${c.events}/${n} events, ${c.rejects}/${rejects} rejects`)
        await new Promise((r) => setTimeout(r, 20))
      }
    },
  }
}

function tcpClient(t: TestContext, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: HOST, port }, () => resolve(s))
    s.on('error', reject)
    t.after(() => s.destroy())
  })
}

const tick = (ms = 15) => new Promise((r) => setTimeout(r, ms))

test('udp: one datagram, one event; the source address of the event is kept', async (t) => {
  const r = await rig(t)
  const udp = createSocket('udp4')
  t.after(() => udp.close())
  const lines = [formatEvent(event(1)), formatEvent(event(2, { note: 'a]b"c\\d\ne' })) + '\n', 'not syslog']
  for (const l of lines) udp.send(Buffer.from(l), r.addr('udp').port, HOST)
  await r.waitFor(2, 1)
  const evs = await r.store.events()
  assert.deepEqual(evs.map((e) => [e.src_ip, e.src_port, e.decky, e.service, e.type]), [
    ['192.0.2.44', 40001, 'decky-01', 'ssh', 'auth_attempt'],
    ['192.0.2.44', 40002, 'decky-01', 'ssh', 'auth_attempt'],
  ])
  assert.equal(evs[1]?.fields.note, 'a]b"c\\d\ne')
  const creds = await r.store.credentials()
  assert.deepEqual(creds.map((c) => [c.principal, c.secret_printable]).sort(), [['root', 'pw1'], ['root', 'pw2']])
  const [rej] = await r.store.rejects()
  assert.equal(rej?.raw, 'not syslog')
  assert.match(rej?.peer ?? '', /^127\.0\.0\.1:\d+$/)
})

test('tcp: both framings, a message split across writes, garbage lines kept as rejects', async (t) => {
  const r = await rig(t)
  const s = await tcpClient(t, r.addr('tcp').port)
  const l1 = formatEvent(event(1))
  const l2 = formatEvent(event(2, { path: '/é]' }))
  const l3 = formatEvent(event(3))
  const octet = Buffer.from(`${Buffer.byteLength(l2)} ${l2}`)
  s.write(l1 + '\n') // LF framing
  await tick()
  s.write(octet.subarray(0, 9)) // octet counting, split mid-length and mid-message
  await tick()
  s.write(octet.subarray(9, 40))
  await tick()
  s.write(Buffer.concat([octet.subarray(40), Buffer.from('garbage line\r\n' + l3.slice(0, 20))]))
  await tick()
  s.write(l3.slice(20) + '\n')
  await r.waitFor(3, 1)
  const evs = await r.store.events()
  assert.deepEqual(evs.map((e) => e.src_port), [40001, 40002, 40003])
  assert.equal(evs[1]?.fields.path, '/é]')
  assert.equal(evs[1]?.raw, l2)
  assert.deepEqual((await r.store.rejects()).map((x) => x.raw), ['garbage line'])
})

test('tcp: an oversized frame closes only that connection', async (t) => {
  const r = await rig(t, { limits: { maxMessageBytes: 1024 } })
  const good = await tcpClient(t, r.addr('tcp').port)
  const bad = await tcpClient(t, r.addr('tcp').port)
  const closed = new Promise<void>((resolve) => bad.on('close', () => resolve()))
  bad.on('error', () => {})
  bad.write(`5000 <134>1 ${'x'.repeat(2000)}`)
  await closed
  good.write(formatEvent(event(7)) + '\n')
  await r.waitFor(1, 1)
  assert.equal(r.collector.stats.oversize, 1)
  assert.equal((await r.store.events())[0]?.src_port, 40007)
  assert.equal(good.destroyed, false)
  const [rej] = await r.store.rejects()
  assert.equal(rej?.reason, 'oversize')
})

test('tcp: the connection cap refuses extra connections', async (t) => {
  const r = await rig(t, { limits: { maxConnections: 1 } })
  await tcpClient(t, r.addr('tcp').port)
  await tick(30)
  const second = connect({ host: HOST, port: r.addr('tcp').port })
  second.on('error', () => {})
  t.after(() => second.destroy())
  await new Promise<void>((resolve) => second.on('close', () => resolve()))
  assert.equal(r.collector.stats.refused, 1)
})

/** A self-signed server certificate (also usable as a CA) and, signed by it, a client certificate. */
function throwawayCert(t: TestContext): { cert: string; key: string; clientCert: string; clientKey: string } {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-cert-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const p = (f: string) => join(dir, f)
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' })
  run(['req', '-x509', ...ec, '-keyout', p('key.pem'), '-out', p('cert.pem'), '-subj', '/CN=collector.test', '-days', '1', '-addext', 'subjectAltName=IP:127.0.0.1'])
  run(['req', '-new', ...ec, '-keyout', p('ckey.pem'), '-out', p('c.csr'), '-subj', '/CN=decky-01'])
  run(['x509', '-req', '-in', p('c.csr'), '-CA', p('cert.pem'), '-CAkey', p('key.pem'), '-CAcreateserial', '-out', p('ccert.pem'), '-days', '1'])
  const read = (f: string) => readFileSync(p(f), 'utf8')
  return { cert: read('cert.pem'), key: read('key.pem'), clientCert: read('ccert.pem'), clientKey: read('ckey.pem') }
}

test('tls (RFC 5425): octet-counted frames from a raw TLS client and from the forwarder', async (t) => {
  const tls = throwawayCert(t)
  const r = await rig(t, { tls: { cert: tls.cert, key: tls.key } })
  const port = r.addr('tls').port
  const s = await new Promise<Socket>((resolve, reject) => {
    const c = tlsConnect({ host: HOST, port, ca: tls.cert }, () => resolve(c))
    c.on('error', reject)
    t.after(() => c.destroy())
  })
  const l1 = formatEvent(event(1))
  s.write(`${Buffer.byteLength(l1)} ${l1}`)
  const fwd = new SyslogForwarder({ target: `tls://${HOST}:${port}`, tls: { ca: tls.cert } })
  t.after(() => fwd.close())
  fwd.write(event(2))
  fwd.write(event(3, { data: '\u0000\u0001\ud800' }))
  assert.equal(await fwd.drain(), true)
  await r.waitFor(3)
  const evs = await r.store.events()
  assert.deepEqual(evs.map((e) => e.src_port).sort(), [40001, 40002, 40003])
  assert.equal(evs.find((e) => e.src_port === 40003)?.fields.data, '\u0000\u0001\ud800')
  assert.equal(fwd.stats.connects, 1)
})

test('tls: a client that does not speak TLS costs only its connection', async (t) => {
  const { cert, key } = throwawayCert(t)
  const r = await rig(t, { tls: { cert, key } })
  const s = await tcpClient(t, r.addr('tls').port)
  s.on('error', () => {})
  const closed = new Promise<void>((resolve) => s.on('close', () => resolve()))
  s.write('hello\n')
  await closed
  assert.equal((await r.store.counts()).events, 0)
})

test('forwarder: udp, and tcp with a queue kept across a late collector start', async (t) => {
  // find a free port, then start the forwarder before anything listens there
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, HOST, () => resolve()))
  const port = (probe.address() as AddressInfo).port
  await new Promise<void>((resolve) => probe.close(() => resolve()))

  const fwd = new SyslogForwarder({ target: `tcp://${HOST}:${port}`, backoffInitialMs: 20, backoffMaxMs: 50 })
  t.after(() => fwd.close())
  fwd.write(event(1))
  fwd.write(event(2))
  await tick(60)
  assert.equal(fwd.queued, 2)
  const r = await rig(t, { port })
  const udp = new SyslogForwarder({ target: `${HOST}:${r.addr('udp').port}` })
  t.after(() => udp.close())
  udp.write(event(3))
  await r.waitFor(3)
  assert.deepEqual((await r.store.events()).map((e) => e.src_port).sort(), [40001, 40002, 40003])
  assert.ok(fwd.stats.connects >= 1)
  assert.equal(fwd.stats.dropped, 0)
})

test('forwarder: the queue is bounded and drops are counted', async (t) => {
  const fwd = new SyslogForwarder({ target: `tcp://${HOST}:1`, maxQueue: 3, backoffInitialMs: 10_000 })
  t.after(() => fwd.close(10))
  for (let i = 0; i < 5; i++) fwd.write(event(i))
  assert.deepEqual([fwd.queued, fwd.stats.dropped], [3, 2])
})

test('real client: util-linux logger over TCP (octet counting and LF) and UDP', async (t) => {
  const r = await rig(t)
  const send = (args: string[]) => execFileSync('logger', ['-n', HOST, '--rfc5424', '-t', 'ssh', '--msgid', 'auth_attempt', '--sd-id', 'relay@55555', '--sd-param', 'src_ip="192.0.2.77"', '--sd-param', 'username="ro\\]ot"', ...args])
  send(['-T', '--octet-count', '-P', String(r.addr('tcp').port), 'octet counted'])
  send(['-T', '-P', String(r.addr('tcp').port), 'lf framed'])
  send(['-d', '-P', String(r.addr('udp').port), 'datagram'])
  await r.waitFor(3)
  const evs = await r.store.events()
  assert.deepEqual(evs.map((e) => e.msg).sort(), ['datagram', 'lf framed', 'octet counted'])
  for (const e of evs) {
    assert.deepEqual([e.service, e.type, e.src_ip, e.fields.username, e.severity], ['ssh', 'auth_attempt', '192.0.2.77', 'ro]ot', 5])
  }
})

test('tls with --tls-ca: a client certificate signed by the CA is required', async (t) => {
  const c = throwawayCert(t)
  const r = await rig(t, { tls: { cert: c.cert, key: c.key, ca: c.cert } })
  const port = r.addr('tls').port
  const good = new SyslogForwarder({ target: `tls://${HOST}:${port}`, tls: { ca: c.cert, cert: c.clientCert, key: c.clientKey } })
  t.after(() => good.close())
  good.write(event(1))
  await r.waitFor(1)
  const anon = tlsConnect({ host: HOST, port, ca: c.cert })
  anon.on('error', () => {})
  t.after(() => anon.destroy())
  const line = formatEvent(event(2))
  anon.write(`${Buffer.byteLength(line)} ${line}`)
  await new Promise<void>((resolve) => anon.on('close', () => resolve()))
  await tick(50)
  assert.deepEqual((await r.store.events()).map((e) => e.src_port), [40001])
})

test('tcp: connections per source address are capped', async (t) => {
  const r = await rig(t, { limits: { maxConnectionsPerIp: 2 } })
  const port = r.addr('tcp').port
  const a = await tcpClient(t, port)
  await tcpClient(t, port)
  const third = await tcpClient(t, port)
  third.on('error', () => {})
  await new Promise<void>((resolve) => third.on('close', () => resolve()))
  assert.equal(r.collector.stats.refused, 1)
  a.write(formatEvent(event(5)) + '\n')
  await r.waitFor(1)
})
