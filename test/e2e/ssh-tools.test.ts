// What scanners see on the ssh port: nmap -sV names OpenSSH with the persona's
// version, and ssh-audit's banner / kex / host-key / cipher / MAC lists equal
// the real OpenSSH's minus the algorithms ssh2 cannot run (docs/ssh.md).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { startEmulator } from '../helpers/emulator.js'
import { nmapPort } from '../helpers/nmap.js'
import { requireTools } from '../helpers/tools.js'

const run = promisify(execFile)

/** Algorithms real OpenSSH offers that ssh2 1.17 cannot negotiate (docs/ssh.md). */
const SSH2_GAPS = /^(sntrup761x25519-sha512(@openssh\.com)?|mlkem768x25519-sha256|umac-(64|128)(-etm)?@openssh\.com)$/

// KEXINIT lists of the real servers. debian: captured from sshd 9.2p1-2+deb12u10
// with ssh-keygen -A keys (the deb12u3 list is the same without the first,
// non-@ sntrup alias). ubuntu20: OpenSSH 8.2p1 defaults (ssh-rsa still on).
const MACS = [
  'umac-64-etm@openssh.com', 'umac-128-etm@openssh.com', 'hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha1-etm@openssh.com',
  'umac-64@openssh.com', 'umac-128@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512', 'hmac-sha1',
]
const CIPHERS = ['chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com']
const REAL = {
  debian: {
    banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3',
    nmap: /open\s+ssh\s+OpenSSH 9\.2p1 Debian 2\+deb12u3 \(protocol 2\.0\)/,
    kex: [
      'sntrup761x25519-sha512', 'sntrup761x25519-sha512@openssh.com', 'curve25519-sha256', 'curve25519-sha256@libssh.org', 'ecdh-sha2-nistp256',
      'ecdh-sha2-nistp384', 'ecdh-sha2-nistp521', 'diffie-hellman-group-exchange-sha256', 'diffie-hellman-group16-sha512',
      'diffie-hellman-group18-sha512', 'diffie-hellman-group14-sha256', 'kex-strict-s-v00@openssh.com',
    ],
    key: ['rsa-sha2-512', 'rsa-sha2-256', 'ecdsa-sha2-nistp256', 'ssh-ed25519'],
    enc: CIPHERS,
    mac: MACS,
  },
  ubuntu20: {
    banner: 'SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.11',
    nmap: /open\s+ssh\s+OpenSSH 8\.2p1 Ubuntu 4ubuntu0\.11 \(Ubuntu Linux; protocol 2\.0\)/,
    kex: [
      'curve25519-sha256', 'curve25519-sha256@libssh.org', 'ecdh-sha2-nistp256', 'ecdh-sha2-nistp384', 'ecdh-sha2-nistp521',
      'diffie-hellman-group-exchange-sha256', 'diffie-hellman-group16-sha512', 'diffie-hellman-group18-sha512', 'diffie-hellman-group14-sha256',
      'kex-strict-s-v00@openssh.com',
    ],
    key: ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ecdsa-sha2-nistp256', 'ssh-ed25519'],
    enc: CIPHERS,
    mac: MACS,
  },
} as const

interface Audit {
  banner: { raw: string }
  kex: { algorithm: string }[]
  key: { algorithm: string; keysize?: number }[]
  /** ssh-audit writes ciphers and MACs as plain names */
  enc: string[]
  mac: string[]
  compression: string[]
}

async function audit(host: string, port: number): Promise<Audit> {
  // ssh-audit exits non-zero when it has warnings; the JSON is still complete
  const r = await run('ssh-audit', ['-j', '-p', String(port), host], { timeout: 60_000 }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }))
  return JSON.parse(r.stdout) as Audit
}

for (const distro of ['debian', 'ubuntu20'] as const) {
  const real = REAL[distro]
  test(`ssh-audit (${distro}): banner and algorithm lists match OpenSSH minus ssh2's gaps`, { timeout: 90_000 }, async (t) => {
    if (!requireTools(t, 'ssh-audit')) return
    // ssh-audit cannot pick a source: server on 127.0.0.5, the kernel's source 127.0.0.1
    const h = await startEmulator(t, 'ssh', {}, { decky: { hostname: 'db-prod-3', distro }, kernelSource: true })
    const a = await audit(h.host, h.port(22))
    assert.equal(a.banner.raw, real.banner)
    const names = (l: { algorithm: string }[]) => l.map((x) => x.algorithm)
    assert.deepEqual(names(a.kex), real.kex.filter((x) => !SSH2_GAPS.test(x)))
    assert.deepEqual(names(a.key), real.key.filter((x) => !SSH2_GAPS.test(x)))
    assert.deepEqual(a.enc, real.enc.filter((x) => !SSH2_GAPS.test(x)))
    assert.deepEqual(a.mac, real.mac.filter((x) => !SSH2_GAPS.test(x)))
    assert.equal(a.key.find((k) => k.algorithm === 'rsa-sha2-512')?.keysize, 3072)
    // docs/ssh.md: "… host key types and sizes, compression (`none,zlib@openssh.com`) … match"
    assert.deepEqual(a.compression, ['none', 'zlib@openssh.com'])
    const cv = await h.sink.next('client_version')
    assert.equal(cv.fields.src_ip, h.client)
  })
}

test('ssh-audit (debian, a 9.x persona) prints the compatibility line docs/ssh.md names', { timeout: 90_000 }, async (t) => {
  if (!requireTools(t, 'ssh-audit')) return
  const h = await startEmulator(t, 'ssh', {}, { decky: { hostname: 'db-prod-3', distro: 'debian' }, kernelSource: true })
  const r = await run('ssh-audit', ['-n', '-p', String(h.port(22)), h.host], { timeout: 60_000 }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }))
  // docs/ssh.md: "`ssh-audit` prints `compatibility: OpenSSH 7.4+` instead of `8.5+` for the 9.x personas (the sntrup gap)"
  assert.match(r.stdout, /^\(gen\) compatibility: OpenSSH 7\.4\+(,|$)/m, r.stdout)
})

for (const distro of ['debian', 'ubuntu20'] as const) {
  test(`nmap -sV (${distro}) names OpenSSH with the persona version`, { timeout: 150_000 }, async (t) => {
    if (!requireTools(t, 'nmap', 'root')) return
    const h = await startEmulator(t, 'ssh', {}, { decky: { hostname: 'db-prod-3', distro } })
    const port = h.port(22)
    const { stdout } = await run('nmap', ['-sV', '-Pn', '-n', '-e', 'lo', '-S', h.client, '-p', String(port), h.host], { timeout: 120_000 })
    // docs/ssh.md: "the `nmap -sV` product line (`OpenSSH 9.2p1 Debian 2+deb12u3 (protocol 2.0)`, OS Linux) match"
    assert.match(nmapPort(stdout, port).line, REAL[distro].nmap)
    assert.match(stdout, /^Service Info: OS: Linux(;|$)/m, stdout)
    const cv = await h.sink.next('connect')
    assert.equal(cv.fields.src_ip, h.client)
  })
}
