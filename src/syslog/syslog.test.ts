import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { DecnetEvent, Severity } from '../events/event.js'
import { encodeSecret } from '../events/event.js'
import { canonicalTime, formatEvent, parseLine } from './index.js'

const base: DecnetEvent = {
  time: '2026-11-28T01:02:03.123456+00:00',
  decky: 'web-01',
  service: 'http',
  type: 'request',
  severity: 6,
  fields: {},
}

test('format: header, PRI, SD-ID and RFC escapes byte for byte', () => {
  const line = formatEvent({ ...base, severity: 4, fields: { src_ip: '10.0.0.5', path: 'a"b\\c]d' }, msg: 'hi' })
  assert.equal(line, '<132>1 2026-11-28T01:02:03.123456+00:00 web-01 http - request [relay@55555 src_ip="10.0.0.5" path="a\\"b\\\\c\\]d"] hi')
  assert.equal(formatEvent(base), '<134>1 2026-11-28T01:02:03.123456+00:00 web-01 http - request -')
})

test('format: control bytes never reach the line raw; header fields truncated and sanitised', () => {
  const line = formatEvent({
    ...base,
    decky: 'd'.repeat(300),
    service: 's p'.repeat(30),
    type: 't'.repeat(40),
    fields: { 'bad key=]"': 'a\nb\u0000c\u001b[31m\u009b\u2028' },
    msg: 'line1\nline2\r',
  })
  assert.doesNotMatch(line, /[\x00-\x1f\x7f\u0080-\u009f\u2028]/)
  const [, , host, app, , msgid] = line.split(' ')
  assert.equal(host, 'd'.repeat(255))
  assert.equal(app, 's_p'.repeat(16))
  assert.equal(msgid, 't'.repeat(32))
  assert.match(line, /\[relay@55555 bad_key___="a\\x0ab\\x00c\\x1b\[31m\\u009b\\u2028"\] line1\\x0aline2\\x0d$/)
})

test('format: clashing sanitised names get a suffix, nothing is dropped', () => {
  const ev = parseLine(formatEvent({ ...base, fields: { 'a b': '1', a_b: '2', 'a=b': '3' } }))
  assert.deepEqual(ev?.fields, { a_b: '1', a_b_2: '2', a_b_3: '3' })
})

test('parse: generic RFC 5424 (RFC examples, other SD elements, BOM, NILVALUE SD)', () => {
  const ex = parseLine(
    '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application"][relay@55555 user="x\\y"] \ufeffAn application event',
  )
  assert.deepEqual(ex, {
    time: '2003-10-11T22:14:15.003000+00:00',
    decky: 'mymachine.example.com',
    service: 'evntslog',
    type: 'ID47',
    severity: 5,
    fields: { user: 'x\\y' },
    msg: 'An application event',
  })
  const su = parseLine("<34>1 2003-10-11T22:14:15.003-07:00 mymachine su - ID47 - 'su root' failed")
  assert.equal(su?.time, '2003-10-12T05:14:15.003000+00:00')
  assert.equal(su?.severity, 2)
  assert.equal(su?.msg, "'su root' failed")
  const nil = parseLine('<13>1 - - - - - -')
  assert.deepEqual([nil?.decky, nil?.service, nil?.type, nil?.msg], ['', '', '', undefined])
  assert.match(nil?.time ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/)
  const upstream = parseLine('<134>1 2026-04-01T10:00:00+00:00 decky-01 ssh - auth_attempt [decnet@55555 username="root" src_ip="1.2.3.4"]')
  assert.deepEqual(upstream?.fields, { username: 'root', src_ip: '1.2.3.4' })
  assert.equal(upstream?.time, '2026-04-01T10:00:00.000000+00:00')
})

test('parse: rejects what is not RFC 5424, without throwing', () => {
  for (const bad of [
    '',
    'hello',
    '<999>1 - - - - - -',
    '<134> 2026 a b - c -',
    '<134>1 2026-01-01T00:00:00Z a b - c',
    '<134>1 2026-01-01T00:00:00Z a b - c [relay@55555 k="v"',
    '<134>1 2026-01-01T00:00:00Z a b - c [relay@55555 k=v]',
    '<134>1 2026-01-01T00:00:00Z a b - c -x',
    '<34>Oct 11 22:14:15 mymachine su: failed', // RFC 3164
  ]) {
    assert.equal(parseLine(bad), undefined, bad)
  }
})

test('canonicalTime', () => {
  assert.equal(canonicalTime('2026-11-28T01:02:03+02:00'), '2026-11-27T23:02:03.000000+00:00')
  assert.equal(canonicalTime('2026-11-28T01:02:03.123456789Z'), '2026-11-28T01:02:03.123456+00:00')
  assert.equal(canonicalTime('yesterday'), undefined)
})

// --- properties -------------------------------------------------------------

const nasty = fc.constantFrom(']', '"', '\\', '\n', '\r', '\u0000', '\u001b', '\u007f', '\u0085', '\u2028', '\ufeff', '\ud800', '\udfff', '\\]', '\\\\]', '\\x0a', '\\u2028', 'é', '😀')
/** Any UTF-16 code unit, so lone surrogates (invalid UTF-8) occur. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n))
const anyString = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: codeUnit }),
  fc.string({ unit: fc.oneof(nasty, fc.string({ unit: 'grapheme-ascii', maxLength: 1 })) }),
)
const sdKey = fc.stringMatching(/^[!#-<>-\\^-~]{1,32}$/) // any RFC 5424 SD-NAME
const headerValue = fc.stringMatching(/^[!-~]{1,32}$/).filter((s) => s !== '-')
const time = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true })
  .chain((d) => fc.integer({ min: 0, max: 999 }).map((us) => `${d.toISOString().slice(0, 23)}${String(us).padStart(3, '0')}+00:00`))

const event: fc.Arbitrary<DecnetEvent> = fc.record(
  {
    time,
    decky: headerValue,
    service: headerValue,
    type: headerValue,
    severity: fc.integer({ min: 0, max: 7 }).map((n) => n as Severity),
    fields: fc.dictionary(sdKey, anyString, { maxKeys: 8, noNullPrototype: true }),
    msg: anyString.filter((s) => s !== ''),
  },
  { requiredKeys: ['time', 'decky', 'service', 'type', 'severity', 'fields'], noNullPrototype: true },
)

test('property: parseLine(formatEvent(ev)) deep-equals ev for any field value and msg', () => {
  fc.assert(
    fc.property(event, (ev) => {
      const line = formatEvent(ev)
      assert.doesNotMatch(line, /[\x00-\x1f\x7f]/)
      assert.deepEqual(parseLine(line), ev)
    }),
    { numRuns: 2000 },
  )
})

test('property: a secret of arbitrary bytes survives as secret_b64 through a line', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const ev = { ...base, fields: { principal: 'root', ...encodeSecret(Buffer.from(bytes)) } }
      const back = parseLine(formatEvent(ev))
      assert.deepEqual(Buffer.from(back?.fields.secret_b64 ?? '', 'base64'), Buffer.from(bytes))
      assert.equal(back?.fields.secret_printable, ev.fields.secret_printable)
    }),
  )
})

test('property: parseLine never throws on arbitrary input, nor on mutilated valid lines', () => {
  fc.assert(
    fc.property(anyString, (s) => {
      parseLine(s)
      parseLine('<134>1 ' + s)
    }),
    { numRuns: 2000 },
  )
  fc.assert(
    fc.property(event, fc.nat(), fc.nat(), (ev, a, b) => {
      const line = formatEvent(ev)
      const cut = line.slice(0, a % (line.length + 1))
      parseLine(cut)
      parseLine(cut + line.slice(b % (line.length + 1)))
    }),
    { numRuns: 1000 },
  )
})

test('parse: hostile lines (many escapes, many params) are read in linear time', () => {
  const head = '<134>1 2026-11-28T01:02:03.123456+00:00 d s - t '
  const escapes = head + '[relay@55555 k="' + '\\]'.repeat(32_000) + '"]'
  const params = head + '[relay@55555' + ' a=""'.repeat(12_000) + ' z="\\\\"]'
  const t0 = performance.now()
  assert.equal(parseLine(escapes)?.fields.k, ']'.repeat(32_000))
  assert.equal(parseLine(params)?.fields.z, '\\')
  const tooLong = head + '[relay@55555 k="' + '\\'.repeat(60_000)
  assert.equal(parseLine(tooLong), undefined)
  assert.ok(performance.now() - t0 < 1000, `took ${performance.now() - t0} ms`)
})
