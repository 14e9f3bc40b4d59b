import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { RequestReader, parseHead, bodyPlan, type ReaderItem, type HttpRequest } from './parser.js'
import { MAX_BODY_KEPT, MAX_HEADER_COUNT, MAX_REQUEST_LINE } from './constants.js'

const CURL = Buffer.from(
  'POST /wp-login.php HTTP/1.1\r\nHost: blog.example\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n' +
  'Content-Length: 27\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nlog=admin&pwd=hunter2&x=%41',
  'latin1',
)

function requests(items: ReaderItem[]): HttpRequest[] {
  return items.flatMap((i) => (i.kind === 'request' ? [i.request] : []))
}

test('parser: a curl POST yields method, target, headers in order and the body', () => {
  const r = new RequestReader()
  const [req] = requests(r.push(CURL))
  assert.ok(req)
  assert.equal(req.method, 'POST')
  assert.equal(req.target, '/wp-login.php')
  assert.equal(req.version, 'HTTP/1.1')
  assert.deepEqual(req.headers.map(([n]) => n), ['Host', 'User-Agent', 'Accept', 'Content-Length', 'Content-Type'])
  assert.equal(req.body.toString(), 'log=admin&pwd=hunter2&x=%41')
})

test('parser: pipelined requests come out in order, byte by byte too', () => {
  const two = Buffer.concat([Buffer.from('GET /a HTTP/1.1\r\nHost: x\r\n\r\n'), CURL, Buffer.from('HEAD /c HTTP/1.0\r\n\r\n')])
  assert.deepEqual(requests(new RequestReader().push(two)).map((q) => q.target), ['/a', '/wp-login.php', '/c'])
  const r = new RequestReader()
  const got: string[] = []
  for (const b of two) got.push(...requests(r.push(Buffer.from([b]))).map((q) => q.target))
  assert.deepEqual(got, ['/a', '/wp-login.php', '/c'])
})

test('parser: chunked bodies are decoded, extensions and trailers skipped', () => {
  const raw = 'POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n'
  const reqs = requests(new RequestReader().push(Buffer.from(raw)))
  assert.equal(reqs[0]?.body.toString(), 'hello world')
  assert.equal(reqs[1]?.target, '/next')
})

test('parser: bodies past MAX_BODY_KEPT are counted and discarded', () => {
  const n = MAX_BODY_KEPT + 1000
  const r = new RequestReader()
  const out = r.push(Buffer.from(`PUT /up HTTP/1.1\r\nHost: h\r\nContent-Length: ${n}\r\n\r\n`))
  assert.equal(out.length, 0)
  let reqs: HttpRequest[] = []
  for (let sent = 0; sent < n; sent += 65536) reqs = reqs.concat(requests(r.push(Buffer.alloc(Math.min(65536, n - sent), 0x41))))
  assert.equal(reqs.length, 1)
  assert.equal(reqs[0]?.body.length, MAX_BODY_KEPT)
  assert.equal(reqs[0]?.bodyBytes, n)
  assert.equal(reqs[0]?.bodyTruncated, true)
})

test('parser: limits map to the errors servers give', () => {
  const long = new RequestReader().push(Buffer.from(`GET /${'a'.repeat(MAX_REQUEST_LINE)} HTTP/1.1\r\n`))
  assert.deepEqual(long.map((i) => i.kind === 'error' && i.error), ['uri_too_long'])
  const noEol = new RequestReader().push(Buffer.from(`GET /${'a'.repeat(MAX_REQUEST_LINE + 10)}`))
  assert.deepEqual(noEol.map((i) => i.kind === 'error' && i.error), ['uri_too_long'])
  const bigHeader = new RequestReader().push(Buffer.from(`GET / HTTP/1.1\r\nX-A: ${'b'.repeat(9000)}\r\n\r\n`))
  assert.deepEqual(bigHeader.map((i) => i.kind === 'error' && i.error), ['header_too_large'])
  const many = 'GET / HTTP/1.1\r\n' + Array.from({ length: MAX_HEADER_COUNT + 1 }, (_, i) => `X-${i}: v\r\n`).join('') + '\r\n'
  assert.deepEqual(new RequestReader().push(Buffer.from(many)).map((i) => i.kind === 'error' && i.error), ['too_many_headers'])
  for (const bad of ['GARBAGE\r\n\r\n', 'GET / HTTP/1.1\r\nNoColon\r\n\r\n', 'GET / HTTP/1.1\r\n folded: x\r\n\r\n', 'GET / FTP/1.0\r\n\r\n', 'G(T / HTTP/1.1\r\n\r\n']) {
    const out = new RequestReader().push(Buffer.from(bad))
    assert.equal(out[0]?.kind, 'error', bad)
  }
  assert.equal(parseHead(Buffer.from('GET / HTTP/2.0\r\n\r\n')).kind, 'error')
})

test('parser: Content-Length / Transfer-Encoding rules (RFC 9112 §6.3)', () => {
  assert.deepEqual(bodyPlan([['Content-Length', '5'], ['Content-Length', '6']]).kind, 'error')
  assert.deepEqual(bodyPlan([['Content-Length', '-1']]).kind, 'error')
  assert.deepEqual(bodyPlan([['Transfer-Encoding', 'gzip']]).kind, 'error')
  assert.deepEqual(bodyPlan([['Transfer-Encoding', 'gzip, chunked'], ['Content-Length', '3']]).kind, 'chunked')
  assert.deepEqual(bodyPlan([['content-length', '5, 5']]), { kind: 'length', n: 5 })
})

test('parser fuzz: any bytes → bounded buffer, never a throw', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 4096 }), { maxLength: 8 }), (chunks) => {
      const r = new RequestReader()
      for (const c of chunks) {
        r.push(Buffer.from(c))
        assert.ok(r.buffered <= 70 * 1024)
      }
    }),
    { numRuns: 300 },
  )
})

test('parser fuzz: a real request cut at every offset parses the same when completed', () => {
  const full = Buffer.concat([CURL, Buffer.from('GET /b HTTP/1.1\r\nHost: x\r\nCookie: a=1\r\n\r\n')])
  for (let cut = 0; cut <= full.length; cut++) {
    const r = new RequestReader()
    const first = r.push(full.subarray(0, cut))
    const rest = r.push(full.subarray(cut))
    const reqs = requests([...first, ...rest])
    assert.deepEqual(reqs.map((q) => q.target), ['/wp-login.php', '/b'], `cut at ${cut}`)
    // the truncated prefix alone never yields an error, only "need more"
    assert.ok(first.every((i) => i.kind === 'request'), `cut at ${cut}`)
  }
})

test('parser: hostile shapes stay cheap (byte drip of a 60 KiB head, 100k one-byte chunks)', () => {
  const head = Buffer.from('GET / HTTP/1.1\r\n' + Array.from({ length: 90 }, (_, i) => `X-${i}: ${'v'.repeat(650)}\r\n`).join('') + '\r\n')
  const r = new RequestReader()
  const t0 = Date.now()
  let reqs: HttpRequest[] = []
  for (const b of head) reqs = reqs.concat(requests(r.push(Buffer.from([b]))))
  assert.equal(reqs.length, 1)
  assert.equal(reqs[0]?.headers.length, 90)
  const chunked = new RequestReader()
  chunked.push(Buffer.from('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n'))
  const piece = Buffer.from('1\r\nA\r\n'.repeat(1000))
  for (let i = 0; i < 100; i++) chunked.push(piece)
  const [done] = requests(chunked.push(Buffer.from('0\r\n\r\n')))
  assert.equal(done?.body.length, 100_000)
  assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`)
})
