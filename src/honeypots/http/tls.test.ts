import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import { CLIENT_ADDRESS, startEmulator } from '../../../test/helpers/emulator.js'

const run = promisify(execFile)

async function curlTls(port: number, path = '/'): Promise<{ subject: string; serial: string; body: string; status: string }> {
  const { stdout, stderr } = await run('curl', ['-sk', '-v', '--max-time', '10', '--interface', CLIENT_ADDRESS, '-w', '\n%{http_code}\n%{certs}', `https://127.0.0.1:${port}${path}`])
  const subject = /subject: (.+)/.exec(stderr)?.[1]?.trim() ?? ''
  const serial = /Serial Number:\s*([0-9A-Fa-f:]+)/.exec(stdout)?.[1]?.replace(/:/g, '').toLowerCase() ?? ''
  const [body = '', status = ''] = stdout.split('\n%')[0]?.split(/\n(?=\d{3}\n)/) ?? []
  return { subject, serial, body, status: status || (/\n(\d{3})\n/.exec(stdout)?.[1] ?? '') }
}

test('http over TLS (443): curl -k sees CN=<persona hostname>; per decky, stable per decky+install', async (t) => {
  const secret = randomBytes(32)
  const a = await startEmulator(t, 'http', { fake_app: 'wordpress' }, { decky: { name: 'decky-a', hostname: 'WEB-PROD-07' }, installSecret: secret })
  const b = await startEmulator(t, 'http', {}, { decky: { name: 'decky-b', hostname: 'FILES-02' }, installSecret: secret })
  const a2 = await startEmulator(t, 'http', {}, { decky: { name: 'decky-a', hostname: 'WEB-PROD-07' }, installSecret: secret })
  const ca = await curlTls(a.port(443), '/wp-login.php')
  const cb = await curlTls(b.port(443))
  const ca2 = await curlTls(a2.port(443))
  assert.match(ca.subject, /^CN ?= ?WEB-PROD-07$/)
  assert.match(cb.subject, /^CN ?= ?FILES-02$/)
  assert.match(ca.serial, /^[0-9a-f]{30,40}$/)
  assert.notEqual(ca.serial, cb.serial, 'different deckies → different certificates')
  assert.equal(ca2.serial, ca.serial, 'same decky + install → same serial and validity')
  assert.match(ca.body, /name="log"/)
  const ev = await a.sink.next('request', (e) => e.fields.path === '/wp-login.php')
  assert.deepEqual([ev.fields.scheme, ev.fields.src_ip], ['https', CLIENT_ADDRESS])
  const hs = await a.sink.next('tls_handshake')
  assert.match(hs.fields.tls_version ?? '', /^TLSv1\.[23]$/)
})

test('https service: TLS only on 443, tls_cn overrides the CN, same site as http', async (t) => {
  const h = await startEmulator(t, 'https', { tls_cn: 'portal.example.org', fake_app: 'jenkins' })
  const c = await curlTls(h.port(443), '/login')
  assert.match(c.subject, /^CN ?= ?portal\.example\.org$/)
  assert.match(c.body, /name="j_username"/)
  const ev = await h.sink.next('request', (e) => e.fields.path === '/login')
  assert.equal(ev.service, 'https')
})

test('https service: tls_cert / tls_key (PEM text) are served as given', async (t) => {
  const { generateKeyPairSync } = await import('node:crypto')
  const { buildCertificate } = await import('../shared/tls.js')
  const key = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey
  const cert = buildCertificate(key, { cn: 'vpn.acme.test', sans: [], serialHex: '0badc0ffee', notBefore: new Date(Date.UTC(2025, 0, 1)), days: 365 })
  const h = await startEmulator(t, 'https', { tls_cert: cert, tls_key: key })
  const c = await curlTls(h.port(443))
  assert.match(c.subject, /^CN ?= ?vpn\.acme\.test$/)
  assert.equal(c.serial.replace(/^0+/, ''), 'badc0ffee')
})
