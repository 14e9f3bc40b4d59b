import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ja4h } from './ja4h.js'

test('ja4h: reference vector (lower-case names, cookies, referer, language)', () => {
  const r = ja4h({
    method: 'GET',
    version: 'HTTP/1.1',
    headers: [['host', 'example.com'], ['user-agent', 'curl/8.7.1'], ['accept', '*/*'], ['accept-language', 'fr'], ['cookie', 'SID=123; theme=dark'], ['referer', 'https://example.com/start']],
  })
  assert.equal(r.ja4h, 'ge11cr04fr00_171d872ea17d_ca8064b27201_5c8e7d6b8092')
})

test('ja4h: header names keep their case; language normalised; no cookies → zeros', () => {
  const r = ja4h({ method: 'POST', version: 'HTTP/1.0', headers: [['Host', 'x'], ['Accept-Language', 'en-US,en;q=0.9']] })
  assert.match(r.ja4h, /^po10nn02enus_[0-9a-f]{12}_000000000000_000000000000$/)
  assert.equal(r.ja4h_r, 'po10nn02enus_Host,Accept-Language__')
  assert.notEqual(r.ja4h.split('_')[1], ja4h({ method: 'POST', version: 'HTTP/1.0', headers: [['host', 'x'], ['accept-language', 'en-US']] }).ja4h.split('_')[1])
})
