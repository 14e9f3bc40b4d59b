// The line server: terminators, caps, pipelining, continuation reads (IMAP
// literal, SMTP DATA), timeouts, failures, backpressure and STARTTLS over a
// real TLS handshake on loopback.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { createServer, connect, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { TLSSocket, connect as tlsConnect } from 'node:tls'
import fc from 'fast-check'
import forge from 'node-forge'
import { duplexPair } from '../../../test/helpers/duplex-pair.js'
import { fakeSession, type FakeSession } from '../../../test/helpers/fake-session.js'
import { LineServer, StreamReadError, type Line, type LineServerOptions } from './line-server.js'

type Opts = Omit<LineServerOptions, 'onLine' | 'maxLineBytes'> & Partial<Pick<LineServerOptions, 'onLine' | 'maxLineBytes'>>

interface Rig {
  client: Duplex
  session: FakeSession
  server: LineServer
  lines: Line[]
  /** Everything the server wrote, as latin1. */
  output(): string
  send(...chunks: (string | Buffer)[]): void
}

function rig(opts: Opts = {}): Rig {
  const [client, end] = duplexPair()
  const session = fakeSession()
  const lines: Line[] = []
  const out: Buffer[] = []
  client.on('data', (d: Buffer) => out.push(d))
  const server = new LineServer(end, session, { maxLineBytes: 64, onLine: (l) => void lines.push(l), ...opts })
  return {
    client, session, server, lines,
    output: () => Buffer.concat(out).toString('latin1'),
    send: (...chunks) => {
      for (const c of chunks) client.write(typeof c === 'string' ? Buffer.from(c, 'latin1') : c)
    },
  }
}

async function waitFor(pred: () => boolean, what: string, ms = 3000): Promise<void> {
  const until = Date.now() + ms
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 2))
  }
}

const texts = (ls: Line[]) => ls.map((l) => l.raw.toString('latin1'))
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Cuts `b` into pieces at the given offsets (sorted, deduplicated, inside b). */
function cut(b: Buffer, at: number[]): Buffer[] {
  const offs = [...new Set(at.map((x) => x % (b.length + 1)))].sort((x, y) => x - y)
  const out: Buffer[] = []
  let p = 0
  for (const o of offs) {
    out.push(b.subarray(p, o))
    p = o
  }
  out.push(b.subarray(p))
  return out.filter((x) => x.length > 0)
}

// ------------------------------------------------------------ terminators

test('line: CRLF and LF both end a line by default; a bare CR does not; bytes are kept as sent', async () => {
  const r = rig()
  r.send('USER a\r\nPASS b\nX\rY\r\n\xff\x00\xfe\r\n\r\n')
  await waitFor(() => r.lines.length === 5, '5 lines')
  assert.deepEqual(texts(r.lines), ['USER a', 'PASS b', 'X\rY', '\xff\x00\xfe', ''])
  assert.deepEqual(r.lines.map((l) => l.ending), ['crlf', 'lf', 'crlf', 'crlf', 'crlf'])
  assert.ok(r.lines[3]?.raw.equals(Buffer.from([0xff, 0, 0xfe])))
  assert.equal(r.lines[0]?.text, 'USER a')
  assert.equal(r.session.closed, false)
})

test('line: strict CRLF keeps a bare LF inside the line; LF-only keeps the CR', async () => {
  const strict = rig({ lineEnding: 'crlf' })
  strict.send('MAIL FROM:<a>\nRCPT TO:<b>\r\n', 'x\n', '\r\n')
  await waitFor(() => strict.lines.length === 2, 'strict lines')
  assert.deepEqual(texts(strict.lines), ['MAIL FROM:<a>\nRCPT TO:<b>', 'x\n'])
  const lf = rig({ lineEnding: 'lf' })
  lf.send('a\r\nb\n')
  await waitFor(() => lf.lines.length === 2, 'lf lines')
  assert.deepEqual(texts(lf.lines), ['a\r', 'b'])
  assert.deepEqual(lf.lines.map((l) => l.ending), ['lf', 'lf'])
})

test('line: a session cut at every byte offset, and into single bytes, gives the same lines', async () => {
  const input = Buffer.from('EHLO x\r\nMAIL FROM:<a@b>\nRCPT TO:<c@d>\r\n\r\nDATA\r\n', 'latin1')
  const want = ['EHLO x', 'MAIL FROM:<a@b>', 'RCPT TO:<c@d>', '', 'DATA']
  const cuts = [...Array(input.length + 1).keys()].map((i) => cut(input, [i]))
  cuts.push([...input].map((b) => Buffer.from([b])))
  for (const chunks of cuts) {
    const r = rig()
    r.send(...chunks)
    await waitFor(() => r.lines.length === want.length, 'lines')
    assert.deepEqual(texts(r.lines), want)
  }
})

test('line (fast-check): random lines cut at random places come out whole, in order', async () => {
  const lineArb = fc.array(fc.constantFrom('a', 'b', ' ', '.', '\r', '\x00', '\xff'), { maxLength: 40 }).map((a) => a.join(''))
  await fc.assert(
    fc.asyncProperty(fc.array(lineArb, { minLength: 1, maxLength: 20 }), fc.array(fc.nat(), { maxLength: 12 }), fc.boolean(), async (ls, at, lfOnly) => {
      // a line ending in CR sent with LF would read as CRLF: keep that case out of the reference
      const body = ls.map((l) => (lfOnly && !l.endsWith('\r') ? `${l}\n` : `${l}\r\n`)).join('')
      const r = rig()
      r.send(...cut(Buffer.from(body, 'latin1'), at))
      await waitFor(() => r.lines.length === ls.length, 'all lines')
      assert.deepEqual(texts(r.lines), ls)
    }),
    { numRuns: 200 },
  )
})

// ------------------------------------------------------------ caps

test('line: a line of exactly maxLineBytes passes; one byte more calls the overflow hook and closes after its reply', async () => {
  const ok = rig({ maxLineBytes: 8 })
  ok.send('12345678\r\n')
  await waitFor(() => ok.lines.length === 1, 'max line')
  let hooks = 0
  const r = rig({ maxLineBytes: 8, onOverflow: (s, info) => {
    hooks++
    s.writeLine(`500 Line too long (max ${info.limit})`)
  } })
  r.send('NOOP\r\n123456789\r\nNOOP\r\n')
  assert.equal(await r.session.whenClosed, 'line_too_long')
  assert.equal(hooks, 1)
  assert.deepEqual(texts(r.lines), ['NOOP'], 'nothing after the over-long line is handled')
  await waitFor(() => r.output().includes('500'), 'the reply reaches the client before the close')
  assert.equal(r.output(), '500 Line too long (max 8)\r\n')
})

test('line: an endless line is cut at the cap; pending input never grows past it', async () => {
  const max = 1024
  const r = rig({ maxLineBytes: max })
  let peak = 0
  const chunk = Buffer.alloc(4096, 0x41)
  // 64 MiB offered without a line end; the server stops at the cap
  for (let i = 0; i < 16384 && !r.session.closed; i++) {
    r.send(chunk)
    peak = Math.max(peak, r.server.pendingBytes)
    if (i % 64 === 0) await delay(0)
  }
  assert.equal(await r.session.whenClosed, 'line_too_long')
  assert.ok(peak <= max + 2 + chunk.length, `pending peaked at ${peak}`)
  assert.equal(r.lines.length, 0)
})

test('line: an over-long line read by a handler (readLine) takes the same overflow path unless the handler catches it', async () => {
  let hooks = 0
  const r = rig({ maxLineBytes: 8, onOverflow: () => void hooks++, onLine: async (_l, s) => void (await s.readLine()) })
  r.send('AUTH PLAIN\r\n', 'x'.repeat(20), '\r\n')
  assert.equal(await r.session.whenClosed, 'line_too_long')
  assert.equal(hooks, 1)
  assert.deepEqual(r.session.events, [])
  const caught: string[] = []
  const c = rig({
    maxLineBytes: 8,
    onLine: async (l, s) => {
      if (l.text !== 'AUTH') return void caught.push(l.text)
      await s.readLine().catch((e: StreamReadError) => caught.push(e.code))
    },
  })
  c.send('AUTH\r\n', 'y'.repeat(30), '\r\nNEXT\r\n')
  await waitFor(() => caught.length === 2, 'caught overflow and next line')
  assert.deepEqual(caught, ['line_too_long', 'NEXT'])
})

test('line: closeOnOverflow=false drops the rest of the long line and goes on', async () => {
  const r = rig({ maxLineBytes: 4, closeOnOverflow: false, onOverflow: (s) => s.writeLine('500 too long') })
  r.send('AAAAAAAAAA', 'AAAA\r', '\nOK\r\nBBBBBBBB\nYES\n')
  await waitFor(() => r.lines.length === 2, 'lines after the long ones')
  assert.deepEqual(texts(r.lines), ['OK', 'YES'])
  assert.equal(r.output(), '500 too long\r\n500 too long\r\n')
  assert.equal(r.session.closed, false)
})

// ------------------------------------------------------------ pipelining

test('line: pipelined lines wait for the previous async handler, strictly in order', async () => {
  const log: string[] = []
  let running = 0
  const r = rig({
    onLine: async (l) => {
      assert.equal(running++, 0, 'two handlers at once')
      log.push(`start ${l.text}`)
      await delay(Number(l.text) % 3 === 0 ? 5 : 0)
      log.push(`end ${l.text}`)
      running--
    },
  })
  const n = 30
  r.send([...Array(n).keys()].map((i) => `${i}\r\n`).join(''))
  await waitFor(() => log.length === 2 * n, 'all handlers')
  assert.deepEqual(log, [...Array(n).keys()].flatMap((i) => [`start ${i}`, `end ${i}`]))
})

test('line: while a handler runs, unread input stops at maxPendingBytes and reading pauses', async () => {
  let release: () => void = () => {}
  const gate = new Promise<void>((r) => (release = r))
  const seen: string[] = []
  const r = rig({
    maxPendingBytes: 4096,
    onLine: async (l) => {
      seen.push(l.text)
      if (l.text === 'BLOCK') await gate
    },
  })
  r.send('BLOCK\r\n')
  await waitFor(() => seen.length === 1, 'blocking handler')
  const line = Buffer.from(`${'x'.repeat(60)}\r\n`)
  let peak = 0
  for (let i = 0; i < 2000; i++) {
    r.send(line)
    peak = Math.max(peak, r.server.pendingBytes)
  }
  await delay(20)
  peak = Math.max(peak, r.server.pendingBytes)
  assert.ok(peak <= 4096 + line.length, `pending peaked at ${peak}`)
  assert.equal(r.server.stream.isPaused(), true)
  release()
  await waitFor(() => seen.length === 2001, 'every queued line')
  assert.equal(r.server.stream.isPaused(), false)
})

// ------------------------------------------------------------ literals

test('line: IMAP literal — readBytes then readLine, at every cut of the stream', async () => {
  const input = Buffer.from('A1 LOGIN {5}\r\nal\r\ne {3}\r\npw\n\r\nA2 NOOP\r\n', 'latin1')
  for (let i = 0; i <= input.length; i++) {
    const got: string[] = []
    const r = rig({
      onLine: async (l, s) => {
        const m = /\{(\d+)\}$/.exec(l.text)
        if (!m) return void got.push(l.text)
        s.writeLine('+ Ready')
        const user = await s.readBytes(Number(m[1]), { max: 1024 })
        const rest = await s.readLine()
        const m2 = /\{(\d+)\}$/.exec(rest.text)
        const pass = m2 ? await s.readBytes(Number(m2[1]), { max: 1024 }) : Buffer.alloc(0)
        const tail = await s.readLine()
        got.push(`${l.text}|${user.toString('latin1')}|${rest.text}|${pass.toString('latin1')}|${tail.text}`)
      },
    })
    r.send(...cut(input, [i]))
    await waitFor(() => got.length === 2, `literal session cut at ${i}`)
    assert.deepEqual(got, ['A1 LOGIN {5}|al\r\ne| {3}|pw\n|', 'A2 NOOP'])
  }
})

test('line: a literal size over the cap is refused before anything is allocated, even a gigabyte one', async (t) => {
  const sizes: number[] = []
  for (const name of ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const) {
    const orig = Buffer[name]
    t.mock.method(Buffer, name, (n: number, ...rest: unknown[]) => {
      sizes.push(n)
      return (orig as (...a: unknown[]) => Buffer).call(Buffer, n, ...rest)
    })
  }
  const errors: unknown[] = []
  const r = rig({
    maxLineBytes: 2048,
    onLine: async (l, s) => {
      const m = /\{(\d+)\}/.exec(l.text)
      if (!m) return
      try {
        await s.readBytes(Number(m[1]), { max: 65536 })
      } catch (e) {
        errors.push(e)
        s.writeLine('A1 BAD literal too big')
      }
    },
  })
  r.send('A1 APPEND INBOX {4294967296}\r\n', Buffer.alloc(1000, 0x41), '\r\n')
  await waitFor(() => errors.length === 1, 'refusal')
  t.mock.restoreAll()
  assert.ok(errors[0] instanceof StreamReadError && errors[0].code === 'over_limit')
  assert.ok(Math.max(0, ...sizes) <= 65536, `largest allocation ${Math.max(...sizes)}`)
  assert.equal(r.session.closed, false)
})

// ------------------------------------------------------------ DATA

/** RFC 5321 §4.5.2, sender side. */
const stuff = (lines: string[]) => lines.map((l) => (l.startsWith('.') ? `.${l}` : l)).map((l) => `${l}\r\n`).join('')

test('line: SMTP DATA with dot-unstuffing, at every cut, then the next command', async () => {
  const body = ['Subject: hi', '', '..starts with a dot', '.', 'x.', '. \r'] // the last one ends "\r\r\n"
  const input = Buffer.from(`DATA\r\n${stuff(body)}.\r\nQUIT\r\n`, 'latin1')
  const want = body.map((l) => `${l}\r\n`).join('')
  for (let i = 0; i <= input.length; i++) {
    const got: string[] = []
    const r = rig({
      onLine: async (l, s) => {
        if (l.text !== 'DATA') return void got.push(l.text)
        s.writeLine('354 End data with <CR><LF>.<CR><LF>')
        const d = await s.readUntil('\r\n.\r\n', { maxBytes: 1 << 20, dotUnstuff: true })
        assert.equal(d.truncated, false)
        assert.equal(d.bytes, d.data.length)
        got.push(d.data.toString('latin1'))
      },
    })
    r.send(...cut(input, [i]))
    await waitFor(() => got.length === 2, `DATA cut at ${i}`)
    assert.deepEqual(got, [want, 'QUIT'])
  }
})

test('line: an empty DATA body (".\\r\\n" at once) and a body without unstuffing', async () => {
  const got: string[] = []
  const r = rig({
    onLine: async (l, s) => {
      if (l.text === 'DATA') got.push((await s.readUntil('\r\n.\r\n', { maxBytes: 100, dotUnstuff: true })).data.toString())
      else if (l.text === 'RAW') got.push((await s.readUntil('\r\n.\r\n', { maxBytes: 100 })).data.toString())
      else got.push(l.text)
    },
  })
  r.send('DATA\r\n.\r\nRAW\r\n..a\r\n.\r\nEND\r\n')
  await waitFor(() => got.length === 3, 'three results')
  assert.deepEqual(got, ['', '..a', 'END'])
})

test('line: DATA over the cap keeps maxBytes, reports truncation and the real size, and stays in sync', async () => {
  const results: { data: string; truncated: boolean; bytes: number }[] = []
  const after: string[] = []
  const r = rig({
    onLine: async (l, s) => {
      if (l.text !== 'DATA') return void after.push(l.text)
      const d = await s.readUntil('\r\n.\r\n', { maxBytes: 10, dotUnstuff: true })
      results.push({ data: d.data.toString(), truncated: d.truncated, bytes: d.bytes })
    },
  })
  const big = `${'0123456789'.repeat(100_000)}\r\n` // 1 MB, one line
  r.send('DATA\r\n')
  for (let i = 0; i < big.length; i += 8192) r.send(big.slice(i, i + 8192))
  r.send('.\r\nNOOP\r\n')
  await waitFor(() => after.length === 1, 'command after DATA')
  assert.deepEqual(results, [{ data: '0123456789', truncated: true, bytes: big.length }])
  assert.deepEqual(after, ['NOOP'])
  assert.ok(r.server.pendingBytes < 8192 * 2)
})

test('line (fast-check): any stuffed body cut anywhere unstuffs to the original', async () => {
  const lineArb = fc.array(fc.constantFrom('.', 'a', ' ', '\r'), { maxLength: 8 }).map((a) => a.join(''))
  await fc.assert(
    fc.asyncProperty(fc.array(lineArb, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 8 }), async (body, at) => {
      const got: string[] = []
      const r = rig({
        onLine: async (l, s) => {
          if (l.text === 'DATA') got.push((await s.readUntil('\r\n.\r\n', { maxBytes: 4096, dotUnstuff: true })).data.toString('latin1'))
          else got.push(l.text)
        },
      })
      r.send(...cut(Buffer.from(`DATA\r\n${stuff(body)}.\r\nQUIT\r\n`, 'latin1'), at))
      await waitFor(() => got.length === 2, 'DATA and QUIT')
      assert.deepEqual(got, [body.map((l) => `${l}\r\n`).join(''), 'QUIT'])
    }),
    { numRuns: 300 },
  )
})

test('line (fast-check): readUntil finds any terminator at any cut, the data is what came before it', async () => {
  const alphabet = fc.constantFrom('a', 'b', 'c')
  await fc.assert(
    fc.asyncProperty(fc.array(alphabet, { minLength: 1, maxLength: 5 }), fc.array(alphabet, { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 6 }),
      async (term, pre, at) => {
        const t = term.join('')
        const data = pre.join('')
        const stream = `${data}${t}`
        const want = stream.slice(0, stream.indexOf(t))
        const got: string[] = []
        const r = rig({ onLine: async (_l, s) => void got.push((await s.readUntil(t, { maxBytes: 1000 })).data.toString()) })
        r.send(...cut(Buffer.from(`GO\r\n${stream}`), at))
        await waitFor(() => got.length === 1, 'readUntil')
        assert.equal(got[0], want)
      }),
    { numRuns: 300 },
  )
})

// ------------------------------------------------------------ timeouts, failures, end

test('line: a handler that does not settle ends the session with command_timeout; waiting for input does not count', async () => {
  const r = rig({ commandTimeoutMs: 40, onLine: () => new Promise<void>(() => {}) })
  r.send('HANG\r\n')
  const t0 = Date.now()
  assert.equal(await r.session.whenClosed, 'command_timeout')
  assert.ok(Date.now() - t0 < 1000)

  const got: string[] = []
  const w = rig({ commandTimeoutMs: 40, onLine: async (_l, s) => void got.push((await s.readLine()).text) })
  w.send('A\r\n')
  await delay(120)
  w.send('B\r\n')
  await waitFor(() => got.length === 1, 'the slow continuation')
  assert.deepEqual(got, ['B'])
  assert.equal(w.session.closed, false)
})

test('line: a throwing handler costs its session only: protocol_error, close; its neighbour goes on', async () => {
  const bad = rig({ onLine: (l) => {
    if (l.text === 'BOOM') throw new Error('handler bug: '.padEnd(1000, 'x'))
  } })
  const badAsync = rig({ onLine: async () => {
    throw new TypeError('async bug')
  } })
  const good = rig()
  bad.send('OK\r\nBOOM\r\nNEVER\r\n')
  badAsync.send('X\r\n')
  good.send('1\r\n2\r\n')
  assert.equal(await bad.session.whenClosed, 'protocol')
  assert.equal(await badAsync.session.whenClosed, 'protocol')
  const ev = bad.session.events.find((e) => e.type === 'protocol_error')
  assert.ok(typeof ev?.fields.error === 'string' && ev.fields.error.startsWith('handler bug') && ev.fields.error.length <= 200)
  assert.deepEqual(badAsync.session.events.map((e) => [e.type, e.fields.error]), [['protocol_error', 'async bug']])
  await waitFor(() => good.lines.length === 2, 'neighbour lines')
  assert.equal(good.session.closed, false)
})

test('line: input touches the session; the peer ending still gets its complete lines handled, then a quiet close', async () => {
  const r = rig()
  r.send('A\r\n', 'B\r\n', 'partial')
  r.client.end()
  assert.equal(await r.session.whenClosed, 'closed')
  assert.deepEqual(texts(r.lines), ['A', 'B'])
  assert.ok(r.session.touches >= 3)
  const pending = rig({ onLine: async (_l, s) => void (await s.readUntil('\r\n.\r\n', { maxBytes: 10 })) })
  pending.send('DATA\r\nabc')
  pending.client.end()
  assert.equal(await pending.session.whenClosed, 'closed')
  assert.deepEqual(pending.session.events, [], 'an unfinished DATA at EOF is no protocol error')
})

// ------------------------------------------------------------ STARTTLS

/** A self-signed certificate made with node-forge (the RSA key from node:crypto: forge's is slow). */
function selfSigned(): { key: string; cert: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const c = forge.pki.createCertificate()
  c.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString())
  c.serialNumber = '01'
  c.validity.notBefore = new Date(Date.now() - 60_000)
  c.validity.notAfter = new Date(Date.now() + 3_600_000)
  const name = [{ name: 'commonName', value: 'mail.test' }]
  c.setSubject(name)
  c.setIssuer(name)
  c.sign(forge.pki.privateKeyFromPem(key) as forge.pki.rsa.PrivateKey, forge.md.sha256.create())
  return { key, cert: forge.pki.certificateToPem(c) }
}

async function socketPair(t: TestContext): Promise<{ client: Socket; server: Socket }> {
  const srv = createServer()
  t.after(() => srv.close())
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as { port: number }).port
  const accepted = new Promise<Socket>((r) => srv.once('connection', r))
  const client = connect(port, '127.0.0.1')
  const server = await accepted
  t.after(() => {
    client.destroy()
    server.destroy()
  })
  return { client, server }
}

test('line: STARTTLS over real TLS — plaintext pipelined after the command is discarded and counted', async (t) => {
  const { key, cert } = selfSigned()
  const { client, server: raw } = await socketPair(t)
  const session = fakeSession({ destroy: raw })
  const lines: string[] = []
  let discarded = -1
  let tls: TLSSocket | undefined
  new LineServer(raw, session, {
    maxLineBytes: 512,
    onLine: (l, s) => {
      lines.push(`${tls ? 'tls' : 'plain'}:${l.text}`)
      if (l.text !== 'STARTTLS') return s.writeLine(`250 ${l.text}`)
      s.writeLine('220 2.0.0 Ready to start TLS')
      tls = new TLSSocket(raw, { isServer: true, key, cert })
      discarded = s.upgrade(tls).discarded
    },
  })
  let plain = ''
  const gotReady = new Promise<void>((resolve) => {
    const onData = (d: Buffer) => {
      plain += d.toString('latin1')
      if (!plain.includes('220 ')) return
      client.off('data', onData)
      resolve()
    }
    client.on('data', onData)
  })
  // the injection: commands in the same segment as STARTTLS (CVE-2011-0411)
  client.write('EHLO x\r\nSTARTTLS\r\nRCPT TO:<injected@evil>\r\nQUIT\r\n')
  await gotReady
  assert.equal(discarded, 'RCPT TO:<injected@evil>\r\nQUIT\r\n'.length)
  const secure = tlsConnect({ socket: client, rejectUnauthorized: false, servername: 'mail.test' })
  await new Promise<void>((r) => secure.once('secureConnect', () => r()))
  let enc = ''
  secure.on('data', (d: Buffer) => (enc += d.toString()))
  secure.write('EHLO y\r\nNOOP\r\n')
  await waitFor(() => enc.includes('250 NOOP'), 'replies over TLS')
  assert.deepEqual(lines, ['plain:EHLO x', 'plain:STARTTLS', 'tls:EHLO y', 'tls:NOOP'])
  assert.equal(enc, '250 EHLO y\r\n250 NOOP\r\n')
  assert.equal(plain, '250 EHLO x\r\n220 2.0.0 Ready to start TLS\r\n')
  secure.end()
  assert.equal(await session.whenClosed, 'closed')
})
