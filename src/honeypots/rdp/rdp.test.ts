// In-repo RDP client: X.224 CR with a cookie → CC → TLS (node:tls) →
// TSRequest(NEGOTIATE) → CHALLENGE → TSRequest(AUTHENTICATE, NTLMv2 from a
// known password) → the capture recomputes and the server answers LOGON_FAILURE.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac, X509Certificate } from 'node:crypto'
import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'
import { CLIENT_ADDRESS, startEmulator } from '../../../test/helpers/emulator.js'
import { authenticateMessage, negotiateMessage, readChallenge } from '../../../test/helpers/ntlm-client.js'
import { MSV_AV, ntowfv2 } from '../shared/ntlmssp.js'
import { buildTsRequest, parseTsRequest, tsRequestLength } from './credssp.js'

function cr(cookie: string | undefined, requested: number | undefined): Buffer {
  const parts: Buffer[] = []
  if (cookie !== undefined) parts.push(Buffer.from(`Cookie: mstshash=${cookie}\r\n`, 'latin1'))
  if (requested !== undefined) {
    const n = Buffer.alloc(8)
    n[0] = 1
    n.writeUInt16LE(8, 2)
    n.writeUInt32LE(requested, 4)
    parts.push(n)
  }
  const data = Buffer.concat(parts)
  const h = Buffer.alloc(11)
  h[0] = 3
  h.writeUInt16BE(11 + data.length, 2)
  h[4] = 6 + data.length
  h[5] = 0xe0
  return Buffer.concat([h, data])
}

function readSome(sock: Socket | TLSSocket, want: (b: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0)
    const timer = setTimeout(() => reject(new Error('timeout')), 5000)
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      if (want(buf)) {
        clearTimeout(timer)
        sock.off('data', onData)
        resolve(buf)
      }
    }
    sock.on('data', onData)
    sock.once('close', () => {
      clearTimeout(timer)
      resolve(buf)
    })
  })
}

const fullTs = (b: Buffer) => {
  const n = tsRequestLength(b)
  return typeof n === 'number' && b.length >= n
}

async function x224(port: number, cookie: string | undefined, requested: number | undefined): Promise<{ sock: Socket; cc: Buffer }> {
  const sock = await new Promise<Socket>((resolve, reject) => {
    const s = netConnect({ port, host: '127.0.0.1', localAddress: CLIENT_ADDRESS }, () => resolve(s))
    s.once('error', reject)
  })
  sock.write(cr(cookie, requested))
  const cc = await readSome(sock, (b) => b.length >= 4 && b.length >= b.readUInt16BE(2))
  return { sock, cc }
}

const DECKY = { decky: { hostname: 'TS-GW-01', osFamily: 'windows_server' } }

test('rdp: cookie captured; NLA NTLMv2 captured and recomputes; Windows-like logon failure', async (t) => {
  const h = await startEmulator(t, 'rdp', { nla: true }, DECKY)
  const { sock, cc } = await x224(h.port(3389), 'alice', 0x3)
  t.after(() => sock.destroy())
  // 03 00 00 13 0e d0 00 00 12 34 00 | 02 1f 08 00 02 00 00 00
  assert.equal(cc.toString('hex'), '030000130ed00000123400021f080002000000')
  const cookie = await h.sink.next('rdp_cookie')
  assert.deepEqual([cookie.fields.username, cookie.fields.requested_protocols], ['alice', '["ssl","hybrid"]'])

  const tls = tlsConnect({ socket: sock, rejectUnauthorized: false })
  await new Promise<void>((r) => tls.once('secureConnect', () => r()))
  const peer = new X509Certificate(tls.getPeerX509Certificate()?.raw ?? Buffer.alloc(0))
  assert.equal(peer.subject, 'CN=TS-GW-01')
  tls.write(buildTsRequest({ version: 6, negoToken: negotiateMessage() }))
  const r1 = parseTsRequest(await readSome(tls, fullTs))
  assert.ok(r1?.negoToken)
  assert.equal(r1.version, 6)
  const ch = readChallenge(r1.negoToken)
  assert.equal(ch.avPairs.get(MSV_AV.NB_COMPUTER_NAME)?.toString('utf16le'), 'TS-GW-01')
  const { message } = authenticateMessage({ user: 'alice', domain: 'CORP', password: 'Spring2025!', serverChallenge: ch.challenge, targetInfo: ch.targetInfo })
  tls.write(buildTsRequest({ version: 6, negoToken: message }))
  const r2 = parseTsRequest(await readSome(tls, fullTs))
  assert.equal(r2?.errorCode, 0xc000006d | 0)

  const ev = await h.sink.next('auth_attempt')
  assert.deepEqual([ev.fields.auth_path, ev.fields.principal, ev.fields.secret_kind, ev.fields.src_ip], ['nla', 'CORP\\alice', 'ntlmssp_v2', CLIENT_ADDRESS])
  const [user, , domain, chal, proof, blob] = Buffer.from(ev.fields.secret_b64 as string, 'base64').toString().split(':')
  assert.equal(chal, ch.challenge.toString('hex'))
  const again = createHmac('md5', ntowfv2('Spring2025!', user as string, domain as string))
    .update(Buffer.from(chal as string, 'hex')).update(Buffer.from(blob as string, 'hex')).digest('hex')
  assert.equal(again, proof)
})

test('rdp: NLA persona refuses TLS-only and standard security; no negReq gets a bare confirm', async (t) => {
  const h = await startEmulator(t, 'rdp', { nla: true }, DECKY)
  const a = await x224(h.port(3389), 'bob', 0x1)
  t.after(() => a.sock.destroy())
  assert.equal(a.cc.toString('hex'), '030000130ed0000012340003000800' + '05000000') // HYBRID_REQUIRED_BY_SERVER
  const b = await x224(h.port(3389), undefined, undefined)
  t.after(() => b.sock.destroy())
  assert.equal(b.cc.toString('hex'), '0300000b06d00000123400')
  const ev = await h.sink.next('connection_request')
  assert.equal(ev.fields.requested_protocols, 'none')
})

test('rdp: without NLA, a TLS-only client is served TLS; standard security is refused', async (t) => {
  const h = await startEmulator(t, 'rdp', { nla: false }, DECKY)
  const a = await x224(h.port(3389), 'carol', 0x1)
  t.after(() => a.sock.destroy())
  assert.equal(a.cc.subarray(11).toString('hex'), '021f080001000000')
  const tls = tlsConnect({ socket: a.sock, rejectUnauthorized: false })
  await new Promise<void>((r) => tls.once('secureConnect', () => r()))
  const b = await x224(h.port(3389), 'dave', 0x0)
  t.after(() => b.sock.destroy())
  assert.equal(b.cc.subarray(11).toString('hex'), '0300080001000000') // SSL_REQUIRED_BY_SERVER
})

test('rdp: hostile input — garbage before X.224 and a broken TLS handshake close the connection with an event', async (t) => {
  const h = await startEmulator(t, 'rdp', { nla: true }, DECKY)
  const open = () => new Promise<Socket>((resolve, reject) => {
    const s = netConnect({ port: h.port(3389), host: '127.0.0.1', localAddress: CLIENT_ADDRESS }, () => resolve(s))
    s.once('error', reject)
  })
  const a = await open()
  t.after(() => a.destroy())
  const closedA = new Promise<void>((r) => a.once('close', () => r()))
  a.write(Buffer.from('GET / HTTP/1.0\r\n\r\n'))
  await closedA
  assert.match((await h.sink.next('protocol_error')).fields.error ?? '', /not TPKT/)

  const { sock, cc } = await x224(h.port(3389), 'eve', 0x3)
  t.after(() => sock.destroy())
  assert.equal(cc.length, 19)
  const closedB = new Promise<void>((r) => sock.once('close', () => r()))
  sock.write(Buffer.from('160301ffff' + '00'.repeat(64), 'hex'))
  await closedB
  await h.sink.next('tls_handshake_failed')
})

test('rdp: domain persona shows in the CredSSP challenge like the smb service of the decky', async (t) => {
  const h = await startEmulator(t, 'rdp', { nla: true, domain: 'corp.local', os_version: '10.0.20348' }, DECKY)
  const { sock } = await x224(h.port(3389), undefined, 0x3)
  t.after(() => sock.destroy())
  const tls = tlsConnect({ socket: sock, rejectUnauthorized: false })
  await new Promise<void>((r) => tls.once('secureConnect', () => r()))
  assert.equal(new X509Certificate(tls.getPeerX509Certificate()?.raw ?? Buffer.alloc(0)).subject, 'CN=ts-gw-01.corp.local')
  tls.write(buildTsRequest({ version: 6, negoToken: negotiateMessage() }))
  const ch = readChallenge(parseTsRequest(await readSome(tls, fullTs))?.negoToken ?? Buffer.alloc(0))
  assert.equal(ch.targetName, 'CORP')
  assert.equal(ch.avPairs.get(MSV_AV.DNS_TREE_NAME)?.toString('utf16le'), 'corp.local')
  assert.equal(ch.version.readUInt16LE(2), 20348)
})
