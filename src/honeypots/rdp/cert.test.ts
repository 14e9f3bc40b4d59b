// The certificate and TLS settings a scanner sees on the rdp port: Windows'
// self-signed RDP certificate (CN = DNS computer name, 6 months, serverAuth,
// keyEncipherment+dataEncipherment, no SAN) after X.224 and on direct TLS.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes, X509Certificate } from 'node:crypto'
import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls'
import forge from 'node-forge'
import { startEmulator } from '../../../test/helpers/emulator.js'

const DAY = 86_400_000

function x224Request(requested: number): Buffer {
  const neg = Buffer.from([1, 0, 8, 0, requested, 0, 0, 0])
  const h = Buffer.from([3, 0, 0, 11 + neg.length, 6 + neg.length, 0xe0, 0, 0, 0, 0, 0])
  return Buffer.concat([h, neg])
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect(port, '127.0.0.1', () => resolve(s))
    s.once('error', reject)
  })
}

/** X.224 CR → CC → TLS; or TLS on the bare socket when `direct`. */
async function handshake(port: number, direct = false, opts: ConnectionOptions = {}): Promise<TLSSocket> {
  const sock = await open(port)
  if (!direct) {
    sock.write(x224Request(0x3)) // SSL + HYBRID: TLS either way
    await new Promise<void>((resolve) => {
      let got = 0
      const onData = (d: Buffer) => {
        got += d.length
        if (got >= 19) {
          sock.off('data', onData)
          resolve()
        }
      }
      sock.on('data', onData)
    })
  }
  const tls = tlsConnect({ ...opts, socket: sock, rejectUnauthorized: false })
  await new Promise<void>((resolve, reject) => {
    tls.once('secureConnect', () => resolve())
    tls.once('error', reject)
  })
  return tls
}

async function peer(port: number, direct = false): Promise<{ x: X509Certificate; tls: TLSSocket }> {
  const tls = await handshake(port, direct)
  const raw = tls.getPeerX509Certificate()?.raw
  assert.ok(raw)
  return { x: new X509Certificate(raw), tls }
}

test('rdp cert: Windows self-signed profile — CN, 6 months, EKU serverAuth, KU keyEnc+dataEnc, no SAN, 16-byte serial', async (t) => {
  const h = await startEmulator(t, 'rdp', { nla: false, domain: 'corp.local' }, { decky: { hostname: 'TS-GW-01', osFamily: 'windows_server' } })
  const { x, tls } = await peer(h.port(3389))
  t.after(() => tls.destroy())
  assert.equal(x.subject, 'CN=ts-gw-01.corp.local')
  assert.equal(x.issuer, 'CN=ts-gw-01.corp.local')
  assert.ok(x.verify(x.publicKey), 'self-signed')
  assert.equal(x.publicKey.asymmetricKeyDetails?.modulusLength, 2048)
  assert.equal(x.subjectAltName, undefined)
  assert.equal(x.serialNumber.length, 32, `16-byte serial, got ${x.serialNumber}`)
  assert.deepEqual(x.keyUsage, ['1.3.6.1.5.5.7.3.1'])
  const from = new Date(x.validFrom).getTime()
  const to = new Date(x.validTo).getTime()
  const days = (to - from) / DAY
  assert.ok(days >= 181 && days <= 184, `6 months of validity, got ${days} days`)
  assert.ok(from < Date.now() - DAY && from > Date.now() - 181 * DAY, `issued within the last renewal cycle: ${x.validFrom}`)
  assert.ok(to > Date.now())
  // extensions, read with forge: exactly EKU + KU (no SAN, SKI/AKI, basicConstraints)
  const fc = forge.pki.certificateFromPem(x.toString())
  assert.equal(fc.siginfo.algorithmOid, forge.pki.oids.sha256WithRSAEncryption)
  assert.deepEqual(fc.extensions.map((e: { name: string }) => e.name), ['extKeyUsage', 'keyUsage'])
  const ku = fc.getExtension('keyUsage') as Record<string, boolean>
  assert.deepEqual(
    ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign'].filter((k) => ku[k]),
    ['keyEncipherment', 'dataEncipherment'],
  )
  // TLS as Server 2019: 1.2 max, ECDHE-RSA-AES256-GCM-SHA384 first
  assert.equal(tls.getProtocol(), 'TLSv1.2')
  assert.equal(tls.getCipher().name, 'ECDHE-RSA-AES256-GCM-SHA384')
})

test('rdp cert: the same certificate on direct TLS (no X.224), as nmap ssl-cert and Shodan connect', async (t) => {
  const h = await startEmulator(t, 'rdp', { nla: true }, { decky: { hostname: 'TS-GW-01', osFamily: 'windows_server' } })
  const a = await peer(h.port(3389))
  t.after(() => a.tls.destroy())
  const b = await peer(h.port(3389), true)
  t.after(() => b.tls.destroy())
  assert.equal(b.x.subject, 'CN=TS-GW-01')
  assert.equal(b.x.fingerprint256, a.x.fingerprint256)
  const ev = await h.sink.next('negotiation', (e) => e.fields.direct_tls === 'true')
  assert.equal(ev.fields.selected, 'ssl')
  // TLS 1.0 still answered (Server 2019 default), with SChannel's first TLS 1.0 suite; TLS 1.3 refused
  const old = await handshake(h.port(3389), true, { maxVersion: 'TLSv1', minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' })
  t.after(() => old.destroy())
  assert.deepEqual([old.getProtocol(), old.getCipher().name], ['TLSv1', 'ECDHE-RSA-AES256-SHA'])
  await assert.rejects(handshake(h.port(3389), true, { minVersion: 'TLSv1.3' }))
})

test('rdp cert: serial and validity stable for one decky+install, different between deckies', async (t) => {
  const secret = randomBytes(32)
  const certOf = async (hostname: string, installSecret: Buffer) => {
    const h = await startEmulator(t, 'rdp', {}, { decky: { hostname, name: `decky-${hostname}`, osFamily: 'windows' }, installSecret })
    const { x, tls } = await peer(h.port(3389))
    tls.destroy()
    await h.stop()
    return x
  }
  const a1 = await certOf('WS-ACC-11', secret)
  const a2 = await certOf('WS-ACC-11', secret)
  const b = await certOf('WS-ACC-12', secret)
  const c = await certOf('WS-ACC-11', randomBytes(32))
  assert.deepEqual([a2.serialNumber, a2.validFrom, a2.validTo, a2.subject], [a1.serialNumber, a1.validFrom, a1.validTo, a1.subject])
  assert.notEqual(b.serialNumber, a1.serialNumber)
  assert.notEqual(b.validFrom, a1.validFrom)
  assert.notEqual(c.serialNumber, a1.serialNumber)
})

test('rdp cert: an SSL 3.0 ClientHello (nmap SSLSessionReq) is dropped without a TLS answer, so -sV falls through to the RDP probe', async (t) => {
  const h = await startEmulator(t, 'rdp', {}, { decky: { hostname: 'TS-GW-01', osFamily: 'windows_server' } })
  const sock = await open(h.port(3389))
  t.after(() => sock.destroy())
  const got: Buffer[] = []
  sock.on('data', (d: Buffer) => got.push(d))
  const closed = new Promise<void>((r) => sock.once('close', () => r()))
  // record 3.0, ClientHello, client_version 3.0, then garbage
  sock.write(Buffer.from('16030000530100004f0300' + '00'.repeat(40), 'hex'))
  await closed
  assert.equal(Buffer.concat(got).length, 0)
  assert.equal((await h.sink.next('protocol_error')).fields.error, 'SSLv3 ClientHello')
})
