// Real SMB clients against the emulator: Samba's smbclient, impacket, nmap.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startEmulator } from '../helpers/emulator.js'
import { impacketPython, requireTools } from '../helpers/tools.js'
import { nmapPort } from '../helpers/nmap.js'
import { ntowfv2 } from '../../src/honeypots/shared/ntlmssp.js'
import { windowsIdentity } from '../../src/honeypots/shared/windows-identity.js'

function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
      resolve({ code, out: `${stdout}${stderr}` })
    })
  })
}

// smbclient, impacket and nmap cannot pick a source address: the emulator listens
// on 127.0.0.5 (h.host) and the kernel gives their connects 127.0.0.1 (h.client).
const DECKY = { decky: { hostname: 'FS-FIN-02', osFamily: 'windows_server' }, kernelSource: true }
const PERSONA = { users: 'alice:Secret123', shares: 'Public,Finance', domain: 'corp.local' }

function recomputes(line: string, password: string): boolean {
  const [user, , domain, chal, proof, blob] = line.split(':')
  return createHmac('md5', ntowfv2(password, user ?? '', domain ?? ''))
    .update(Buffer.from(chal ?? '', 'hex')).update(Buffer.from(blob ?? '', 'hex')).digest('hex') === proof
}

test('smbclient -L with a bait account lists the persona shares over srvsvc', async (t) => {
  if (!requireTools(t, 'smbclient')) return
  const h = await startEmulator(t, 'smb', PERSONA, DECKY)
  const r = await run('smbclient', ['-L', `//${h.host}`, '-p', String(h.port(445)), '-U', 'alice%Secret123'])
  assert.match(r.out, /Public\s+Disk/)
  assert.match(r.out, /Finance\s+Disk/)
  assert.match(r.out, /IPC\$\s+IPC\s+Remote IPC/)
  const ev = await h.sink.next('auth_attempt')
  assert.deepEqual([ev.fields.username, ev.fields.result, ev.fields.src_ip], ['alice', 'success', h.client])
  assert.ok(recomputes(Buffer.from(ev.fields.secret_b64 as string, 'base64').toString(), 'Secret123'))
  await h.sink.next('share_enum')
})

test('smbclient ls on a persona share lists bait files; a wrong password is captured and refused', async (t) => {
  if (!requireTools(t, 'smbclient')) return
  const h = await startEmulator(t, 'smb', PERSONA, DECKY)
  const port = String(h.port(445))
  const r = await run('smbclient', [`//${h.host}/Public`, '-p', port, '-U', 'alice%Secret123', '-c', 'ls'])
  assert.equal(r.code, 0, r.out)
  assert.match(r.out, /blocks of size 4096/)
  const listed = await h.sink.next('directory_list', (e) => e.fields.share === 'Public')
  assert.ok(Number(listed.fields.entries) >= 4)
  assert.match(r.out, /\s+D\s+0\s/) // at least one sub-directory

  const bad = await run('smbclient', [`//${h.host}/Public`, '-p', port, '-U', 'CORP\\mallory%Hunter2', '-c', 'ls'])
  assert.match(bad.out, /NT_STATUS_LOGON_FAILURE/)
  const ev = await h.sink.next('auth_attempt', (e) => e.fields.username === 'mallory')
  assert.deepEqual([ev.fields.domain, ev.fields.principal, ev.fields.secret_kind, ev.fields.result, ev.fields.src_ip], ['CORP', 'CORP\\mallory', 'ntlmssp_v2', 'failure', h.client])
  assert.ok(recomputes(Buffer.from(ev.fields.secret_b64 as string, 'base64').toString(), 'Hunter2'))
})

test('smbclient -N: a null session may list shares but not open a disk share; get reads a bait file', async (t) => {
  if (!requireTools(t, 'smbclient')) return
  const h = await startEmulator(t, 'smb', PERSONA, DECKY)
  const port = String(h.port(445))
  const anon = await run('smbclient', ['-N', '-L', `//${h.host}`, '-p', port])
  assert.match(anon.out, /Public\s+Disk/)
  const ev = await h.sink.next('auth_attempt', (e) => e.fields.result === 'anonymous')
  assert.equal(ev.fields.secret_b64, undefined)
  const denied = await run('smbclient', ['-N', `//${h.host}/Public`, '-p', port, '-c', 'ls'])
  assert.match(denied.out, /NT_STATUS_ACCESS_DENIED/)

  const file = join(h.home, 'got.bin')
  const ls = await run('smbclient', [`//${h.host}/Public`, '-p', port, '-U', 'alice%Secret123', '-c', 'ls'])
  const m = /^\s+(\S+\.(?:pdf|docx|xlsx|txt))\s+A\s+(\d+)/m.exec(ls.out)
  assert.ok(m, ls.out)
  const got = await run('smbclient', [`//${h.host}/Public`, '-p', port, '-U', 'alice%Secret123', '-c', `get ${m[1]} ${file}`])
  assert.equal(got.code, 0, got.out)
  const { stat } = await import('node:fs/promises')
  assert.equal((await stat(file)).size, Number(m[2]))
  const read = await h.sink.next('file_read')
  assert.deepEqual([read.fields.path, read.fields.user], [m[1], 'alice'])
})

const IMPACKET = `
import sys
from impacket.smbconnection import SMBConnection
host, port, user, pw, dom = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
c = SMBConnection(host, host, sess_port=port)
print('dialect', hex(c.getDialect()))
try:
    c.login(user, pw, dom)
except Exception as e:
    print('login failed', e)
    sys.exit(0)
print('server', c.getServerName(), c.getServerDNSDomainName(), c.getServerOS())
for s in c.listShares():
    print('share', s['shi1_netname'][:-1])
for f in c.listPath('Public', '*'):
    print('file', f.get_longname(), f.get_filesize())
`

test('impacket: NetNTLMv2 captured with the exact user; bait login lists shares and files (SMB 3.0 encrypted)', async (t) => {
  if (!requireTools(t, 'impacket')) return
  const h = await startEmulator(t, 'smb', PERSONA, DECKY)
  const script = join(h.home, 'imp.py')
  await writeFile(script, IMPACKET)
  const port = String(h.port(445))
  const bad = await run(impacketPython(), [script, h.host, port, 'svc_backup', 'P@ssw0rd', 'CORP'])
  assert.match(bad.out, /STATUS_LOGON_FAILURE/)
  const ev = await h.sink.next('auth_attempt', (e) => e.fields.username === 'svc_backup')
  assert.deepEqual([ev.fields.principal, ev.fields.src_ip], ['CORP\\svc_backup', h.client])
  assert.ok(recomputes(Buffer.from(ev.fields.secret_b64 as string, 'base64').toString(), 'P@ssw0rd'))

  const ok = await run(impacketPython(), [script, h.host, port, 'alice', 'Secret123', 'CORP'])
  // the persona's OS with its build (DECKY's windows_server default), not just "Windows"
  const os = /^server FS-FIN-02 corp\.local (.+)$/m.exec(ok.out)?.[1]
  assert.ok(os, ok.out)
  // the build the decky's seed picked (2016, 2019 or 2022), exactly
  const id = windowsIdentity(h.ctx)
  assert.ok(os === id.productName || os === `Windows ${id.version.major}.${id.version.minor} Build ${id.version.build}`, `impacket says "${os}", the persona is "${id.productName}"`)
  assert.match(ok.out, /share Public/)
  assert.match(ok.out, /file \.\. 0/)
})

test('nmap smb2 scripts see a modern Windows SMB server (Server 2019: no SMBv1)', async (t) => {
  if (!requireTools(t, 'nmap')) return
  const h = await startEmulator(t, 'smb', { ...PERSONA, os_version: '10.0.17763' }, DECKY)
  const port = String(h.port(445))
  const r = await run('nmap', ['-Pn', '-p', port, '--script', 'smb2-time,smb2-security-mode,smb-protocols', '--script-args', `smbport=${port}`, h.host], 120_000)
  assert.match(r.out, /Message signing enabled but not required/)
  assert.match(r.out, /smb2-time:\s*\n\|\s+date: \d{4}-/)
  // the dialect list from the smb-protocols section only (3.1.1 also appears in smb2-security-mode's header)
  // the section: its indented lines up to the one that closes it with |_
  const protocols = /^\| smb-protocols:\s*\n((?:\| {2}.*\n)*\|_.*\n)/m.exec(r.out)?.[1]
  assert.ok(protocols, r.out)
  const dialects = [...protocols.matchAll(/^\|[ _]\s+(\d:?\d:?\d(?::?\d{2})?)\s*$/gm)].map((m) => (m[1] ?? '').replace(/:/g, ''))
  assert.deepEqual(dialects, ['202', '210', '300', '302', '311'], r.out)
  assert.doesNotMatch(protocols, /SMBv1|NT LM 0\.12/)
})

test('nmap -sV names a Server 2016 persona (SMB1 still on) as Microsoft Windows microsoft-ds', async (t) => {
  if (!requireTools(t, 'nmap')) return
  const h = await startEmulator(t, 'smb', { ...PERSONA, os_version: '10.0.14393' }, DECKY)
  const r = await run('nmap', ['-sV', '-Pn', '-p', String(h.port(445)), h.host], 180_000)
  assert.match(nmapPort(r.out, h.port(445)).line, /open\s+microsoft-ds\s+Microsoft Windows [\w .-]+ microsoft-ds \(workgroup: CORP\)$/)
  assert.match(r.out, /Host: FS-FIN-02/)
})

// docs/smb.md "What a scanner sees": "`nmap --script smb2-time,smb2-security-mode,smb-protocols,smb2-capabilities`:
// dialects 2.0.2–3.1.1, no SMBv1, …" — smb2-capabilities per dialect as Windows 10/2019 answers a client that
// asks for nothing (DFS; + leasing and large MTU from 2.1 on)
test('nmap smb2-capabilities lists what docs/smb.md says Windows 10/2019 shows', async (t) => {
  if (!requireTools(t, 'nmap')) return
  const h = await startEmulator(t, 'smb', { ...PERSONA, os_version: '10.0.17763' }, DECKY)
  const port = String(h.port(445))
  const r = await run('nmap', ['-Pn', '-p', port, '--script', 'smb2-capabilities', '--script-args', `smbport=${port}`, h.host], 120_000)
  const section = /^\| smb2-capabilities:\s*\n((?:\| {2}.*\n)*\|_.*\n)/m.exec(r.out)?.[1]
  assert.ok(section, r.out)
  const caps: Record<string, string[]> = {}
  let dialect = ''
  for (const line of section.split('\n')) {
    const d = /^\|[ _] {2}(\S+):\s*$/.exec(line)
    const c = /^\|[ _] {4}(\S.*\S)\s*$/.exec(line)
    if (d?.[1]) caps[(dialect = d[1].replace(/[.:]/g, ''))] = []
    else if (c?.[1]) caps[dialect]?.push(c[1])
  }
  const later = ['Distributed File System', 'Leasing', 'Multi-credit operations']
  assert.deepEqual(caps, { 202: ['Distributed File System'], 210: later, 300: later, 302: later, 311: later }, r.out)
})

// docs/smb.md: "`nmap -sV` cannot name SMB2-only Windows (its probe is SMB1), so a 2019/2022/Win10 persona is
// `microsoft-ds?` on 445 (port guess), exactly as a real host". The `?` is nmap's guess from the port number,
// so this runs on the real 445 (root; the e2e lane is root).
test('nmap -sV on 445: a Server 2019 persona is `microsoft-ds?` with no product', { timeout: 240_000 }, async (t) => {
  if (!requireTools(t, 'nmap', 'root')) return
  const h = await startEmulator(t, 'smb', { ...PERSONA, os_version: '10.0.17763' }, { ...DECKY, fixedPorts: { 445: 445 } })
  const r = await run('nmap', ['-sV', '-Pn', '-p', '445', h.host], 200_000)
  const p = nmapPort(r.out, 445)
  assert.deepEqual([p.state, p.service, p.version], ['open', 'microsoft-ds?', ''], p.line)
})

// docs/smb.md: "a Server 2016 persona is named … and `smb-protocols` lists `NT LM 0.12 (SMBv1)`"
// (the SMB1 NEGOTIATE answered with NT LM 0.12, docs/smb.md "Wire behaviour")
test('nmap smb-protocols on a Server 2016 persona lists NT LM 0.12 (SMBv1) before the SMB2 dialects', async (t) => {
  if (!requireTools(t, 'nmap')) return
  const h = await startEmulator(t, 'smb', { ...PERSONA, os_version: '10.0.14393' }, DECKY)
  const port = String(h.port(445))
  const r = await run('nmap', ['-Pn', '-p', port, '--script', 'smb-protocols', '--script-args', `smbport=${port}`, h.host], 120_000)
  const protocols = /^\| smb-protocols:\s*\n((?:\| {2}.*\n)*\|_.*\n)/m.exec(r.out)?.[1]
  assert.ok(protocols, r.out)
  const dialects = [...protocols.matchAll(/^\|[ _] {4}(\S.*?)\s*$/gm)].map((m) => (m[1] ?? '').replace(/:/g, ''))
  assert.match(dialects[0] ?? '', /^NT LM 0\.12 \(SMBv1\)/, r.out)
  assert.deepEqual(dialects.slice(1), ['202', '210', '300', '302', '311'], r.out)
  const neg = await h.sink.next('negotiate', (e) => e.fields.result === 'NT LM 0.12')
  assert.equal(neg.fields.src_ip, h.client)
})

// docs/smb.md: "`rpcclient srvinfo` shows `Wk Sv NT SNT`, 10.0, 0x9003" (a workgroup persona) and
// "NetrServerGetInfo 100/101 (`srvinfo`: platform 500, 10.0, type 0x9003 / … / +0x100 for a domain member)"
for (const [label, persona, flags, type] of [
  ['workgroup', { users: 'alice:Secret123' }, 'Wk Sv NT SNT', '0x9003'],
  ['domain member', PERSONA, 'Wk Sv Dom NT SNT', '0x9103'],
] as const) {
  test(`rpcclient srvinfo (${label}): ${flags}, platform 500, 10.0, ${type}`, async (t) => {
    if (!requireTools(t, 'rpcclient')) return
    const h = await startEmulator(t, 'smb', { ...persona, os_version: '10.0.17763' }, DECKY)
    const r = await run('rpcclient', ['-p', String(h.port(445)), '-U', 'alice%Secret123', '-c', 'srvinfo', h.host])
    assert.equal(r.code, 0, r.out)
    assert.match(r.out, new RegExp(`^\\s+FS-FIN-02\\s+${flags}\\s*$`, 'm'), r.out)
    assert.match(r.out, /^\s+platform_id\s+:\s+500\s*$/m, r.out)
    assert.match(r.out, /^\s+os version\s+:\s+10\.0\s*$/m, r.out)
    assert.match(r.out, new RegExp(`^\\s+server type\\s+:\\s+${type}\\s*$`, 'm'), r.out)
    const call = await h.sink.next('rpc_call', (e) => e.fields.call === 'NetrServerGetInfo')
    assert.equal(call.fields.src_ip, h.client)
  })
}

test('smbclient put: the upload is quarantined as an artifact (same sha256) and can be read back', async (t) => {
  if (!requireTools(t, 'smbclient')) return
  const h = await startEmulator(t, 'smb', PERSONA, DECKY)
  const { randomBytes, createHash } = await import('node:crypto')
  const { readFile } = await import('node:fs/promises')
  const data = randomBytes(150_000)
  const src = join(h.home, 'tool.exe')
  const back = join(h.home, 'back.exe')
  await writeFile(src, data)
  const r = await run('smbclient', [`//${h.host}/Finance`, '-p', String(h.port(445)), '-U', 'alice%Secret123', '-c', `put ${src} tool.exe; get tool.exe ${back}; mkdir x`])
  assert.match(r.out, /NT_STATUS_ACCESS_DENIED making remote directory/)
  const up = await h.sink.next('file_upload')
  assert.deepEqual([up.fields.share, up.fields.path, up.fields.size, up.fields.user], ['Finance', 'tool.exe', '150000', 'alice'])
  const art = await h.sink.next('artifact')
  const sha = createHash('sha256').update(data).digest('hex')
  assert.equal(art.fields.sha256, sha)
  assert.equal(createHash('sha256').update(await readFile(art.fields.path as string)).digest('hex'), sha)
  assert.ok((await readFile(back)).equals(data))
})
