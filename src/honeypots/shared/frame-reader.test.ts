// Length-prefixed framing: every ready-made framing cut at every byte, many
// frames per chunk, caps decided from the header (a multi-gigabyte length
// allocates nothing), bad headers, switching framing mid-stream, and the
// FrameServer driver (order, errors, backpressure, timeout).
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { duplexPair } from '../../../test/helpers/duplex-pair.js'
import { fakeSession } from '../../../test/helpers/fake-session.js'
import {
  BER_TLV, FrameReader, FrameServer, MONGODB, MYSQL_PACKET, NETBIOS_SESSION, NETBIOS_SESSION_24, POSTGRES_MESSAGE, POSTGRES_STARTUP,
  SMB2_DIRECT_TCP, TDS, TPKT, type Framing,
} from './frame-reader.js'

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')
const fill = (n: number, b = 0x41) => Buffer.alloc(n, b)
const be = (v: number, n: number) => {
  const b = Buffer.alloc(n)
  b.writeUIntBE(v, 0, n)
  return b
}
const le = (v: number, n: number) => {
  const b = Buffer.alloc(n)
  b.writeUIntLE(v, 0, n)
  return b
}
const cat = (...b: Buffer[]) => Buffer.concat(b)

const tpkt = (body: Buffer) => cat(hex('0300'), be(4 + body.length, 2), body)
const nbss = (type: number, body: Buffer) => cat(Buffer.from([type, body.length >> 16]), be(body.length & 0xffff, 2), body)
const nbss24 = (type: number, body: Buffer) => cat(Buffer.from([type]), be(body.length, 3), body)
const mysql = (seq: number, body: Buffer) => cat(le(body.length, 3), Buffer.from([seq]), body)
const pgStartup = (body: Buffer) => cat(be(4 + body.length, 4), body)
const pgMsg = (type: string, body: Buffer) => cat(Buffer.from(type), be(4 + body.length, 4), body)
const tds = (type: number, body: Buffer) => cat(Buffer.from([type, 1]), be(8 + body.length, 2), hex('0000 0100'), body)
const mongo = (body: Buffer) => cat(le(16 + body.length, 4), le(1, 4), le(0, 4), le(2013, 4), body)
const ber = (tag: number, body: Buffer, lenOctets = 0) =>
  cat(Buffer.from([tag]), lenOctets ? cat(Buffer.from([0x80 | lenOctets]), be(body.length, lenOctets)) : Buffer.from([body.length]), body)

/** Sample streams: frames as real clients send them, several per stream. */
const SAMPLES: [Framing, Buffer[]][] = [
  // X.224 CR with an mstshash cookie, then a short TPDU
  [TPKT, [tpkt(cat(hex('25e00000000000'), Buffer.from('Cookie: mstshash=nmap\r\n'), hex('0100080003000000'))), tpkt(hex('02f080')), tpkt(fill(300))]],
  [NETBIOS_SESSION, [nbss(0x81, fill(68)), nbss(0x85, Buffer.alloc(0)), nbss(0, fill(0x10005)), nbss(0, fill(3))]],
  [NETBIOS_SESSION_24, [nbss24(0, fill(200)), nbss24(0x85, Buffer.alloc(0)), nbss24(0, fill(0x20001))]],
  [SMB2_DIRECT_TCP, [nbss24(0, cat(hex('fe534d42'), fill(60))), nbss24(0, Buffer.alloc(0)), nbss24(0, fill(70_000))]],
  [MYSQL_PACKET, [mysql(1, cat(hex('85a6ff01'), fill(40))), mysql(0, Buffer.alloc(0)), mysql(3, fill(0x10203))]],
  [POSTGRES_STARTUP, [pgStartup(be(80877103, 4)), pgStartup(cat(be(196608, 4), Buffer.from('user\0postgres\0\0')))]],
  [POSTGRES_MESSAGE, [pgMsg('Q', Buffer.from('select 1\0')), pgMsg('X', Buffer.alloc(0)), pgMsg('p', fill(500))]],
  [TDS, [tds(0x12, fill(47)), tds(0x10, fill(200)), tds(0x01, Buffer.alloc(0))]],
  [MONGODB, [mongo(fill(60)), mongo(Buffer.alloc(0)), mongo(fill(1000))]],
  // LDAP bindRequest with short, 1-, 2- and 4-octet (Active Directory style) lengths
  [BER_TLV, [ber(0x30, fill(12)), ber(0x30, fill(200), 1), ber(0x30, fill(300), 2), ber(0x30, fill(5), 4), ber(0x30, Buffer.alloc(0))]],
]

function readAll(framing: Framing, chunks: Buffer[], max = 1 << 20): { frames: Buffer[]; error?: string } {
  const r = new FrameReader(framing, max)
  const frames: Buffer[] = []
  for (const c of chunks) {
    r.push(c)
    for (let n = r.next(); n; n = r.next()) {
      if ('error' in n) return { frames, error: n.error }
      frames.push(n.frame)
    }
  }
  return { frames }
}

test('frame: every framing, many frames in one chunk, cut at every byte offset and byte by byte', () => {
  for (const [framing, frames] of SAMPLES) {
    const all = cat(...frames)
    const want = frames.map((f) => f.toString('hex'))
    assert.deepEqual(readAll(framing, [all]).frames.map((f) => f.toString('hex')), want, `${framing.name}: one chunk`)
    // big samples: every offset within the first and last 300 bytes and around each boundary, else every 97th
    const bounds = frames.reduce<number[]>((a, f) => [...a, (a.at(-1) ?? 0) + f.length], [])
    for (let i = 0; i <= all.length; i++) {
      const near = i < 300 || all.length - i < 300 || bounds.some((b) => Math.abs(b - i) < 8) || i % 97 === 0
      if (!near) continue
      const got = readAll(framing, [all.subarray(0, i), all.subarray(i)])
      assert.equal(got.error, undefined, `${framing.name} cut at ${i}`)
      assert.deepEqual(got.frames.map((f) => f.toString('hex')), want, `${framing.name} cut at ${i}`)
    }
    if (all.length < 5000) {
      const bytes = [...all].map((b) => Buffer.from([b]))
      assert.deepEqual(readAll(framing, bytes).frames.map((f) => f.toString('hex')), want, `${framing.name}: byte by byte`)
    }
  }
})

test('frame (fast-check): random chunking of any sample gives the same frames, never aliasing the input', () => {
  fc.assert(
    fc.property(fc.nat(SAMPLES.length - 1), fc.array(fc.nat(), { maxLength: 20 }), (k, at) => {
      const [framing, frames] = SAMPLES[k] as [Framing, Buffer[]]
      const all = cat(...frames)
      const offs = [...new Set(at.map((x) => x % (all.length + 1)))].sort((a, b) => a - b)
      const chunks = [...offs, all.length].map((o, i) => all.subarray(i ? (offs[i - 1] as number) : 0, o))
      const got = readAll(framing, chunks)
      assert.deepEqual(got.frames.map((f) => f.toString('hex')), frames.map((f) => f.toString('hex')))
      all.fill(0) // frames are copies
      assert.ok(got.frames.every((f, i) => f.equals(frames[i] as Buffer)))
      all.set(cat(...frames))
    }),
    { numRuns: 500 },
  )
})

test('frame: bad headers are errors, and the error sticks', () => {
  const bad: [Framing, Buffer, RegExp][] = [
    [TPKT, hex('16030100'), /not TPKT \(0x16\)/],
    [TPKT, hex('03000006'), /TPKT length 6/],
    [NETBIOS_SESSION, hex('00020000'), /reserved flags/],
    [SMB2_DIRECT_TCP, hex('85000000'), /first byte 0x85/],
    [POSTGRES_STARTUP, hex('00000004'), /startup length 4/],
    [POSTGRES_STARTUP, hex('ffffffff'), /startup length -1/],
    [POSTGRES_MESSAGE, hex('5100000003'), /message length 3/],
    [TDS, hex('1201000700000100'), /tds length 7/],
    [MONGODB, hex('0f000000'), /messageLength 15/],
    [MONGODB, hex('ffffffff'), /messageLength -1/],
    [BER_TLV, hex('3080'), /indefinite/],
    [BER_TLV, hex('3085'), /length of 5 octets/],
    [BER_TLV, hex('1f81'), /high tag/],
  ]
  for (const [framing, header, re] of bad) {
    const r = new FrameReader(framing, 1 << 20)
    r.push(cat(header, fill(64)))
    const a = r.next()
    assert.ok(a && 'error' in a && re.test(a.error), `${framing.name} ${header.toString('hex')}: ${JSON.stringify(a)}`)
    r.push(tpkt(fill(10)))
    assert.deepEqual(r.next(), a)
    assert.equal(r.pending, 0, 'input after an error is dropped, not kept')
  }
})

/** Records the size of every Buffer allocation made while the test runs. */
function trackAllocations(t: TestContext): number[] {
  const sizes: number[] = []
  for (const name of ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const) {
    const orig = Buffer[name] as (...a: unknown[]) => Buffer
    t.mock.method(Buffer, name, (n: number, ...rest: unknown[]) => {
      sizes.push(n)
      return orig.call(Buffer, n, ...rest)
    })
  }
  return sizes
}

test('frame: a length over the cap is refused from the header alone; gigabyte lengths allocate nothing', (t) => {
  const huge: [Framing, Buffer][] = [
    [TPKT, hex('0300ffff')],
    [NETBIOS_SESSION, hex('0001ffff')],
    [NETBIOS_SESSION_24, hex('00ffffff')],
    [SMB2_DIRECT_TCP, hex('00ffffff')],
    [MYSQL_PACKET, hex('ffffff00')],
    [POSTGRES_STARTUP, hex('7fffffff')],
    [POSTGRES_MESSAGE, hex('517fffffff')],
    [TDS, hex('1201ffff00000100')],
    [MONGODB, hex('ffffff7f')],
    [BER_TLV, hex('3084ffffffff')],
  ]
  const body = fill(4096)
  const sizes = trackAllocations(t)
  const errors: string[] = []
  for (const [framing, header] of huge) {
    const r = new FrameReader(framing, 1024)
    r.push(header)
    r.push(body)
    const n = r.next()
    assert.ok(n && 'error' in n, `${framing.name}: ${JSON.stringify(n)}`)
    errors.push(n.error)
  }
  t.mock.restoreAll()
  assert.ok(Math.max(0, ...sizes) <= 64, `largest allocation ${Math.max(...sizes)}`)
  assert.match(errors.at(-1) ?? '', /^ber length 4294967301 over 1024$/)
  assert.match(errors[5] ?? '', /^postgres startup length 2147483647 over 1024$/)
})

test('frame: the cap is inclusive; a BER long form waits for its length octets', () => {
  assert.equal(readAll(TPKT, [tpkt(fill(1020))], 1024).frames.length, 1)
  assert.match(readAll(TPKT, [tpkt(fill(1021))], 1024).error ?? '', /TPKT length 1025 over 1024/)
  const r = new FrameReader(BER_TLV, 1 << 20)
  const f = ber(0x30, fill(70_000), 4)
  r.push(f.subarray(0, 3))
  assert.equal(r.next(), undefined)
  r.push(f.subarray(3, 6))
  assert.equal(r.next(), undefined)
  r.push(f.subarray(6))
  const n = r.next()
  assert.ok(n && 'frame' in n && n.frame.equals(f))
})

test('frame: switching framing mid-stream (postgres SSLRequest, StartupMessage, then typed messages) at every cut', () => {
  const ssl = pgStartup(be(80877103, 4))
  const startup = pgStartup(cat(be(196608, 4), Buffer.from('user\0alice\0database\0db\0\0')))
  const msgs = [pgMsg('p', Buffer.from('secret\0')), pgMsg('Q', Buffer.from('select version()\0')), pgMsg('X', Buffer.alloc(0))]
  const all = cat(ssl, startup, ...msgs)
  const want = [ssl, startup, ...msgs].map((b) => b.toString('hex'))
  for (let i = 0; i <= all.length; i++) {
    const r = new FrameReader(POSTGRES_STARTUP, 10_000)
    const got: string[] = []
    for (const c of [all.subarray(0, i), all.subarray(i)]) {
      r.push(c)
      for (let n = r.next(); n; n = r.next()) {
        assert.ok('frame' in n, `cut at ${i}: ${JSON.stringify(n)}`)
        got.push(n.frame.toString('hex'))
        if (got.length === 2) r.setFraming(POSTGRES_MESSAGE)
      }
    }
    assert.deepEqual(got, want, `cut at ${i}`)
  }
})

// ------------------------------------------------------------ FrameServer

async function waitFor(pred: () => boolean, what: string, ms = 3000): Promise<void> {
  const until = Date.now() + ms
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 2))
  }
}
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms))

test('frame server: async handlers in order, framing switched by a handler, input byte by byte', async () => {
  const [client, end] = duplexPair()
  const session = fakeSession()
  const got: string[] = []
  let running = 0
  const replies: Buffer[] = []
  client.on('data', (d: Buffer) => replies.push(d))
  new FrameServer(end, session, {
    framing: POSTGRES_STARTUP,
    maxFrameBytes: 10_000,
    onFrame: async (f, s) => {
      assert.equal(running++, 0)
      await delay(f.length % 2)
      if (s.framing === POSTGRES_STARTUP && f.readUInt32BE(4) === 80877103) s.write('N') // SSLRequest: no TLS
      else if (s.framing === POSTGRES_STARTUP) s.setFraming(POSTGRES_MESSAGE)
      got.push(`${s.framing.name}:${f.length}`)
      running--
    },
  })
  const all = cat(pgStartup(be(80877103, 4)), pgStartup(cat(be(196608, 4), Buffer.from('user\0bob\0\0'))), pgMsg('p', Buffer.from('pw\0')), pgMsg('X', Buffer.alloc(0)))
  for (const b of all) client.write(Buffer.from([b]))
  await waitFor(() => got.length === 4, 'four frames')
  assert.deepEqual(got, ['postgres startup:8', 'postgres:18', 'postgres:8', 'postgres:5'])
  assert.equal(Buffer.concat(replies).toString(), 'N')
  assert.ok(session.touches >= all.length)
})

test('frame server: a framing error lets the protocol answer, then protocol_error and a close; no allocation past the cap', async (t) => {
  const [client, end] = duplexPair()
  const session = fakeSession()
  const replies: Buffer[] = []
  client.on('data', (d: Buffer) => replies.push(d))
  const frames: number[] = []
  const sizes = trackAllocations(t)
  new FrameServer(end, session, {
    framing: MONGODB,
    maxFrameBytes: 48 * 1024,
    onFrame: (f) => void frames.push(f.length),
    onFramingError: (error, s) => s.write(`error: ${error}`),
  })
  client.write(cat(mongo(fill(10)), hex('ffffff7f'), fill(8192)))
  assert.equal(await session.whenClosed, 'protocol')
  t.mock.restoreAll()
  assert.deepEqual(frames, [26])
  assert.deepEqual(session.events, [{ type: 'protocol_error', fields: { error: 'mongodb length 2147483647 over 49152' } }])
  await waitFor(() => replies.length > 0, 'the reply')
  assert.equal(Buffer.concat(replies).toString(), 'error: mongodb length 2147483647 over 49152')
  assert.ok(Math.max(...sizes) <= 48 * 1024, `largest allocation ${Math.max(...sizes)}`)
})

test('frame server: a blocked handler pauses reading at maxPendingBytes; a hung one times out', async () => {
  const [client, end] = duplexPair()
  const session = fakeSession()
  let release: () => void = () => {}
  const gate = new Promise<void>((r) => (release = r))
  let n = 0
  const srv = new FrameServer(end, session, {
    framing: TPKT, maxFrameBytes: 1024, maxPendingBytes: 8192,
    onFrame: async () => {
      if (n++ === 0) await gate
    },
  })
  const f = tpkt(fill(500))
  let peak = 0
  for (let i = 0; i < 1000; i++) {
    client.write(f)
    peak = Math.max(peak, srv.pendingBytes)
  }
  await delay(20)
  assert.ok(peak <= 8192 + f.length, `pending peaked at ${peak}`)
  assert.equal(srv.stream.isPaused(), true)
  release()
  await waitFor(() => n === 1000, 'all frames')

  const [c2, e2] = duplexPair()
  const s2 = fakeSession()
  new FrameServer(e2, s2, { framing: TPKT, maxFrameBytes: 1024, commandTimeoutMs: 30, onFrame: () => new Promise(() => {}) })
  c2.write(f)
  assert.equal(await s2.whenClosed, 'command_timeout')
})
