import { test } from 'node:test'
import assert from 'node:assert/strict'
import { X509Certificate, createPrivateKey } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { startEmulator } from '../../../test/helpers/emulator.js'
import { deckyCertificate } from './tls.js'

test('tls: deckyCertificate is self-signed CN=<hostname>, key kept in the state dir, stable', async (t) => {
  const h = await startEmulator(t, 'https', {}, { decky: { hostname: 'mail.corp.example' } })
  const a = await deckyCertificate(h.ctx)
  const x = new X509Certificate(a.cert)
  assert.equal(x.subject, 'CN=mail.corp.example')
  assert.equal(x.issuer, 'CN=mail.corp.example')
  assert.equal(x.subjectAltName, 'DNS:mail.corp.example')
  assert.ok(x.verify(x.publicKey), 'self-signed')
  assert.ok(x.checkPrivateKey(createPrivateKey(a.key)))
  assert.equal(createPrivateKey(a.key).asymmetricKeyDetails?.modulusLength, 2048)
  assert.ok(new Date(x.validFrom) < new Date())
  assert.equal((new Date(x.validTo).getTime() - new Date(x.validFrom).getTime()) / 86_400_000, 3650)
  const st = await stat(join(await h.ctx.stateDir(), 'tls-key.pem'))
  assert.equal(st.mode & 0o777, 0o600)
  const b = await deckyCertificate(h.ctx)
  assert.equal(b.cert, a.cert, 'same key + same RNG → identical certificate')
  const other = await deckyCertificate(h.ctx, { cn: 'owa.corp.example', sans: ['10.0.0.5'] })
  const y = new X509Certificate(other.cert)
  assert.equal(y.subjectAltName, 'DNS:owa.corp.example, IP Address:10.0.0.5')
  assert.notEqual(y.serialNumber, x.serialNumber)
})

test('tls: rdpValidity — 6 calendar months from the last renewal in a seeded 180-day cycle, stable inside the cycle', async () => {
  const { rdpValidity } = await import('./tls.js')
  const { SeededRng } = await import('../../runtime/rng.js')
  const rng = () => new SeededRng(Buffer.from('decky-a')).fork('v')
  const now = new Date(Date.UTC(2026, 10, 28, 3, 0, 0))
  const a = rdpValidity(rng(), now)
  assert.ok(a.notBefore.getTime() <= now.getTime() - 86_400_000 && a.notBefore.getTime() > now.getTime() - 181 * 86_400_000)
  const days = (a.notAfter.getTime() - a.notBefore.getTime()) / 86_400_000
  assert.ok(days >= 181 && days <= 184, String(days))
  assert.equal(a.notAfter.getUTCHours(), a.notBefore.getUTCHours())
  // an hour later: same certificate dates; 180 days later: renewed exactly one cycle on
  assert.deepEqual(rdpValidity(rng(), new Date(now.getTime() + 3_600_000)), a)
  const later = rdpValidity(rng(), new Date(now.getTime() + 180 * 86_400_000))
  assert.equal(later.notBefore.getTime() - a.notBefore.getTime(), 180 * 86_400_000)
  const other = rdpValidity(new SeededRng(Buffer.from('decky-b')).fork('v'), now)
  assert.notEqual(other.notBefore.getTime(), a.notBefore.getTime())
})
