import { test } from 'node:test'
import assert from 'node:assert/strict'
import { encodeSecret } from '../events/event.js'
import { ConsoleFeed, formatFeedLine } from './feed.js'

test('feed line: time, decky, service, type, peer, then fields; secrets printable only', () => {
  const line = formatFeedLine({
    time: '2026-11-28T01:02:03.123456+00:00', decky: 'decky-01', service: 'http', type: 'request', severity: 6,
    fields: { src_ip: '127.0.0.1', src_port: '51000', method: 'POST', path: '/wp-login.php', principal: 'admin', ...encodeSecret('hunter2 x\u0001') },
  })
  assert.equal(line, '01:02:03 decky-01 http request 127.0.0.1:51000 secret="hunter2 x?" method=POST path=/wp-login.php principal=admin')
  assert.ok(!line.includes(encodeSecret('hunter2 x\u0001').secret_b64))
})

test('feed line: long values are cut, control bytes never reach the terminal', () => {
  const line = formatFeedLine({
    time: '2026-11-28T23:59:59.000000+00:00', decky: 'd', service: 's', type: 't', severity: 6,
    fields: { ua: 'A'.repeat(500), evil: '\u001b[2J\r\nX' },
  })
  assert.equal(line, `23:59:59 d s t ua=${'A'.repeat(79)}… evil=\\x1b[2J\\x0d\\x0aX`)
  assert.ok(!/[\x00-\x1f\x7f-\x9f]/.test(line))
})

test('held feed: nothing printed until release; discard drops what was held', () => {
  const lines: string[] = []
  const ev = (type: string) => ({ time: '2026-11-28T01:02:03.000000+00:00', decky: 'd', service: 's', type, severity: 6 as const, fields: {} })
  const feed = new ConsoleFeed((l) => lines.push(l), { held: true })
  feed.write(ev('a'))
  assert.equal(lines.length, 0)
  feed.release()
  feed.write(ev('b'))
  assert.deepEqual([...lines], ['01:02:03 d s a', '01:02:03 d s b'])
  const dropped = new ConsoleFeed((l) => lines.push(l), { held: true })
  dropped.write(ev('c'))
  dropped.discard()
  dropped.release()
  assert.equal(lines.length, 2)
})
