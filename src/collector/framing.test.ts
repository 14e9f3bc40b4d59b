import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { StreamFramer } from './framing.js'
import { parseEndpoint, parseListen } from './listen.js'

const A = '<134>1 - a b - c -'
const B = '<132>1 - d e - f [relay@55555 k="v"] é'
const oc = (s: string) => `${Buffer.byteLength(s)} ${s}`
const str = (bs: Buffer[]) => bs.map((b) => b.toString('utf8'))

test('framing: octet counting and LF framing, mixed per frame, CRLF and stray newlines', () => {
  const f = new StreamFramer(1024)
  const r = f.push(Buffer.from(`${oc(A)}${B}\r\n\n${oc(B)}${A}\n`))
  assert.deepEqual(str(r.frames), [A, B, B, A])
  assert.equal(r.error, undefined)
  assert.equal(f.pending, 0)
})

test('framing: any split of the stream gives the same frames', () => {
  const stream = Buffer.from(`${oc(A)}${B}\n${oc(B)}${oc(A)}${A}\n`)
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 12 }), (cuts) => {
      const f = new StreamFramer(1024)
      const out: Buffer[] = []
      let at = 0
      for (const c of [...cuts.sort((x, y) => x - y), stream.length]) {
        if (c <= at) continue
        const r = f.push(stream.subarray(at, c))
        assert.equal(r.error, undefined)
        out.push(...r.frames)
        at = c
      }
      assert.deepEqual(str(out), [A, B, B, A, A])
    }),
  )
})

test('framing: limits; a count without SP is read as a line; end() keeps a LF-less last line', () => {
  assert.match(new StreamFramer(100).push(Buffer.from('101 ' + 'x'.repeat(101))).error ?? '', /exceeds 100/)
  assert.match(new StreamFramer(100).push(Buffer.from('y'.repeat(150))).error ?? '', /longer than 100/)
  assert.match(new StreamFramer(10).push(Buffer.from('9999999999999999 x')).error ?? '', /longer than 10/)
  const f = new StreamFramer(100)
  assert.deepEqual(str(f.push(Buffer.from('12abc\n')).frames), ['12abc'])
  assert.deepEqual(f.push(Buffer.from('tail')).frames, [])
  assert.equal(f.end()?.toString(), 'tail')
  const g = new StreamFramer(100)
  g.push(Buffer.from('50 <134>partial'))
  assert.equal(g.end(), undefined)
})

test('framing: arbitrary bytes never throw and never buffer past the limit', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }), (chunks) => {
      const f = new StreamFramer(64)
      for (const c of chunks) {
        const r = f.push(Buffer.from(c))
        for (const fr of r.frames) assert.ok(fr.length <= 64)
        if (r.error) return
        assert.ok(f.pending <= 64 + 12)
      }
    }),
  )
})

test('listen specs', () => {
  assert.deepEqual(parseListen('udp://0.0.0.0:514, tcp://[::1]:601,tls://localhost:6514'), [
    { proto: 'udp', host: '0.0.0.0', port: 514 },
    { proto: 'tcp', host: '::1', port: 601 },
    { proto: 'tls', host: 'localhost', port: 6514 },
  ])
  assert.deepEqual(parseEndpoint('10.0.0.1:514'), { proto: 'udp', host: '10.0.0.1', port: 514 })
  assert.throws(() => parseListen('127.0.0.1:514'), /needs a scheme/)
  assert.throws(() => parseListen('http://x:1'), /needs a scheme/)
  assert.throws(() => parseEndpoint('tcp://x:70000'), /not a syslog endpoint/)
})

test('framing: a 64 KiB line trickling in byte by byte costs linear time', () => {
  const line = Buffer.from('<134>1 - a b - c - ' + 'x'.repeat(64 * 1024 - 40) + '\n')
  for (const counted of [false, true]) {
    const data = counted ? Buffer.concat([Buffer.from(`${line.length - 1} `), line.subarray(0, -1)]) : line
    const f = new StreamFramer(64 * 1024)
    const t0 = performance.now()
    const out: Buffer[] = []
    for (let i = 0; i < data.length; i++) out.push(...f.push(data.subarray(i, i + 1)).frames)
    assert.equal(out.length, 1)
    assert.equal(out[0]?.length, line.length - 1)
    assert.ok(performance.now() - t0 < 2000, `took ${performance.now() - t0} ms`)
  }
})
