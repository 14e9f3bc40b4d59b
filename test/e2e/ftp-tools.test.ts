// What real tools see on the ftp and tftp emulators: nmap -sV names vsftpd
// 3.0.3, every hydra attempt lands as a credential, curl logs in anonymously
// and lists (plain and with --ssl-reqd over AUTH TLS), tftp-hpa gets a bait
// config and its put lands in quarantine with the same sha256.
// A missing tool fails the test, naming it and its Debian package.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { KERNEL_SERVER_ADDRESS, SERVER_ADDRESS, freePort, startEmulator } from '../helpers/emulator.js'
import { which } from '../helpers/tools.js'

const run = promisify(execFile)

/** Tools of this lane → Debian packages. */
const PACKAGES = { nmap: 'nmap', hydra: 'hydra', curl: 'curl', tftp: 'tftp-hpa' } as const

function need(tool: keyof typeof PACKAGES): void {
  if (!which(tool)) assert.fail(`${tool} is not installed (Debian package ${PACKAGES[tool]})`)
}

async function pasvRange(host: string): Promise<{ pasv_min_port: number; pasv_max_port: number }> {
  const base = await freePort(host)
  return { pasv_min_port: base, pasv_max_port: base + 7 }
}

async function scratch(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'decnet-ftp-e2e-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

test('nmap -sV names vsftpd 3.0.3', { timeout: 150_000 }, async (t) => {
  need('nmap')
  const h = await startEmulator(t, 'ftp', await pasvRange(SERVER_ADDRESS))
  const port = h.port(21)
  const { stdout } = await run('nmap', ['-sV', '-Pn', '-n', '-p', String(port), SERVER_ADDRESS], { timeout: 120_000 })
  const line = stdout.split('\n').find((l) => l.startsWith(`${port}/tcp`)) ?? stdout
  assert.match(line, /open\s+ftp\s+vsftpd 3\.0\.3/)
})

test('hydra: every attempt lands as a credential with the client address', { timeout: 180_000 }, async (t) => {
  need('hydra')
  const h = await startEmulator(t, 'ftp', { ...(await pasvRange(KERNEL_SERVER_ADDRESS)), anonymous: false }, { kernelSource: true })
  const dir = await scratch(t)
  const users = ['root', 'admin', 'oracle']
  const passwords = ['123456', 'password', 'P@ss w0rd', 'letmein']
  await writeFile(join(dir, 'users'), `${users.join('\n')}\n`)
  await writeFile(join(dir, 'pass'), `${passwords.join('\n')}\n`)
  await run('hydra', ['-I', '-t', '4', '-L', 'users', '-P', 'pass', `ftp://${h.host}:${h.port(21)}`], { cwd: dir, timeout: 150_000 }).catch((e: { stdout?: string }) => e)
  const got = new Set(h.sink.ofType('auth_attempt').map((e) => `${e.fields.username}:${e.fields.secret_printable}`))
  const want = users.flatMap((u) => passwords.map((p) => `${u}:${p}`))
  assert.deepEqual(want.filter((w) => !got.has(w)), [], 'attempts hydra made that were not captured')
  for (const e of h.sink.ofType('auth_attempt')) {
    assert.equal(e.fields.src_ip, '127.0.0.1')
    assert.equal(e.fields.secret_kind, 'plaintext')
    assert.equal(e.fields.outcome, 'failure')
  }
})

test('curl: anonymous login and listing, plain and with --ssl-reqd (AUTH TLS, PROT P)', { timeout: 60_000 }, async (t) => {
  need('curl')
  const h = await startEmulator(t, 'ftp', { ...(await pasvRange(SERVER_ADDRESS)), ssl: true })
  const url = `ftp://${h.host}:${h.port(21)}/`
  const plain = await run('curl', ['-sS', '--interface', h.client, '--max-time', '20', url], { timeout: 30_000 })
  assert.match(plain.stdout, /README\.txt\r?\n/)
  const secure = await run('curl', ['-sS', '--interface', h.client, '--max-time', '20', '--ssl-reqd', '-k', `${url}backup/`], { timeout: 30_000 })
  assert.match(secure.stdout, /\.env\.bak|deploy\.sh\.bak/)
  const readme = await run('curl', ['-sS', '--interface', h.client, '--max-time', '20', '--ssl-reqd', '-k', `${url}README.txt`], { timeout: 30_000 })
  assert.match(readme.stdout, /drop area/)
  const logins = h.sink.ofType('auth_attempt')
  assert.equal(logins.length, 3)
  assert.ok(logins.every((e) => e.fields.username === 'anonymous' && e.fields.outcome === 'success' && e.fields.src_ip === h.client))
  assert.equal(logins.filter((e) => e.fields.tls === 'true').length, 2)
  assert.ok(h.sink.ofType('tls_handshake').length >= 2)
})

test('tftp-hpa: get of a bait config, put lands in quarantine with the same sha256', { timeout: 60_000 }, async (t) => {
  need('tftp')
  const h = await startEmulator(t, 'tftp', {}, { kernelSource: true })
  const dir = await scratch(t)
  const port = String(h.port(69))
  // Debian's tftp-hpa: tftp [options] host [port] -c command (-c last)
  await run('tftp', ['-m', 'binary', h.host, port, '-c', 'get', 'startup-config', 'startup-config'], { cwd: dir, timeout: 30_000 })
  const cfg = await readFile(join(dir, 'startup-config'), 'utf8')
  assert.match(cfg, /^hostname \S+-RTR-\d\d$/m)
  assert.match(cfg, /^enable secret 8 \$8\$/m)
  const payload = randomBytes(70_000)
  await writeFile(join(dir, 'bot.mips'), payload)
  await run('tftp', ['-m', 'binary', h.host, port, '-c', 'put', 'bot.mips', 'bot.mips'], { cwd: dir, timeout: 30_000 })
  const art = await h.sink.next('artifact', () => true, 10_000)
  assert.equal(art.fields.sha256, createHash('sha256').update(payload).digest('hex'))
  assert.equal(art.fields.src_ip, '127.0.0.1')
  assert.ok((await readFile(String(art.fields.path))).equals(payload))
  const reqs = h.sink.ofType('tftp_request')
  assert.deepEqual(reqs.map((r) => [r.fields.op, r.fields.filename, r.fields.mode]), [['RRQ', 'startup-config', 'octet'], ['WRQ', 'bot.mips', 'octet']])
})
