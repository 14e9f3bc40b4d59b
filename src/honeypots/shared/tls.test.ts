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
