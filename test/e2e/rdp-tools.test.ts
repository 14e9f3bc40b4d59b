// Real RDP tools against the emulator: FreeRDP (+auth-only, NLA) and nmap.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { execFile } from 'node:child_process'
import { startEmulator } from '../helpers/emulator.js'
import { nmapPort } from '../helpers/nmap.js'
import { requireTools } from '../helpers/tools.js'
import { ntowfv2 } from '../../src/honeypots/shared/ntlmssp.js'

function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` })
    })
  })
}

// xfreerdp and nmap's scripts connect from wherever the kernel says: the emulator
// listens on 127.0.0.5 (h.host), their source is 127.0.0.1 (h.client)
const DECKY = { decky: { hostname: 'TS-GW-01', osFamily: 'windows_server' }, kernelSource: true }

test('xfreerdp +auth-only: NLA capture with the exact user, refused with LOGON_FAILURE', async (t) => {
  if (!requireTools(t, 'xfreerdp', 'xvfb-run')) return
  const h = await startEmulator(t, 'rdp', { nla: true }, DECKY)
  const r = await run('xvfb-run', ['-a', 'xfreerdp', `/v:${h.host}:${h.port(3389)}`, '/u:alice', '/p:Secret', '/d:CORP', '/cert:ignore', '+auth-only'])
  assert.match(r.out, /LOGON_FAILURE/)
  const cookie = await h.sink.next('rdp_cookie')
  assert.equal(cookie.fields.username, 'alice')
  const ev = await h.sink.next('auth_attempt')
  assert.deepEqual([ev.fields.username, ev.fields.domain, ev.fields.principal, ev.fields.auth_path, ev.fields.secret_kind],
    ['alice', 'CORP', 'CORP\\alice', 'nla', 'ntlmssp_v2'])
  assert.deepEqual([cookie.fields.src_ip, ev.fields.src_ip], [h.client, h.client])
  const [user, , domain, chal, proof, blob] = Buffer.from(ev.fields.secret_b64 as string, 'base64').toString().split(':')
  const again = createHmac('md5', ntowfv2('Secret', user as string, domain as string))
    .update(Buffer.from(chal as string, 'hex')).update(Buffer.from(blob as string, 'hex')).digest('hex')
  assert.equal(again, proof)
})

test('nmap -sV --script rdp-ntlm-info: Microsoft Terminal Services with the persona names', async (t) => {
  if (!requireTools(t, 'nmap')) return
  const h = await startEmulator(t, 'rdp', { nla: true }, DECKY)
  const port = String(h.port(3389))
  const r = await run('nmap', ['-sV', '-Pn', '-p', port, '--script', 'rdp-ntlm-info', h.host], 180_000)
  assert.match(nmapPort(r.out, port).line, /^\d+\/tcp\s+open\s+ms-wbt-server\s+Microsoft Terminal Services\s*$/)
  assert.match(r.out, /NetBIOS_Computer_Name: TS-GW-01/)
  assert.match(r.out, /DNS_Computer_Name: TS-GW-01/)
  assert.match(r.out, /Product_Version: 10\.0\.\d{5}/)
  assert.doesNotMatch(r.out, /WORKGROUP/)
})

test('nmap -sV --script ssl-cert: Windows RDP certificate (CN = DNS computer name, 6 months) over direct TLS', async (t) => {
  if (!requireTools(t, 'nmap')) return
  const h = await startEmulator(t, 'rdp', { nla: true, domain: 'corp.local' }, DECKY)
  const port = String(h.port(3389))
  // nmap treats ms-wbt-server as an SSL service (shortport.ssl) and sends a ClientHello straight away, as Windows accepts
  const r = await run('nmap', ['-sV', '-Pn', '-v', '-p', port, '--script', 'ssl-cert', h.host], 180_000)
  assert.match(nmapPort(r.out, port).line, /open\s+(ssl\/)?ms-wbt-server/)
  assert.match(r.out, /ssl-cert: Subject: commonName=ts-gw-01\.corp\.local\s*$/m)
  assert.match(r.out, /Issuer: commonName=ts-gw-01\.corp\.local\s*$/m)
  assert.match(r.out, /Public Key bits: 2048/)
  assert.match(r.out, /Signature Algorithm: sha256WithRSAEncryption/)
  const from = /Not valid before: (\S+)/.exec(r.out)?.[1]
  const to = /Not valid after: +(\S+)/.exec(r.out)?.[1]
  assert.ok(from && to, r.out)
  const days = (Date.parse(`${to}Z`) - Date.parse(`${from}Z`)) / 86_400_000
  assert.ok(days >= 181 && days <= 184, `6-month validity, got ${days} days`)
  const ev = await h.sink.next('negotiation', (e) => e.fields.direct_tls === 'true')
  assert.equal(ev.fields.src_ip, h.client)
})
