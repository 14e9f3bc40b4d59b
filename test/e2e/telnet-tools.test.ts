// What real tools see on the telnet emulator: nmap -sV names "Linux telnetd"
// from netkit's opening (DO TERMINAL-TYPE, TSPEED, XDISPLOC, NEW-ENVIRON and
// nothing else until the client answers), and every hydra attempt lands as an
// auth_attempt with the client's address.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { SERVER_ADDRESS, startEmulator } from '../helpers/emulator.js'
import { requireTools } from '../helpers/tools.js'

const run = promisify(execFile)

async function scratch(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'decnet-telnet-e2e-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

test('nmap -sV names Linux telnetd', { timeout: 150_000 }, async (t) => {
  if (!requireTools(t, 'nmap')) return
  const h = await startEmulator(t, 'telnet')
  const port = h.port(23)
  const { stdout } = await run('nmap', ['-sV', '-Pn', '-n', '-p', String(port), SERVER_ADDRESS], { timeout: 120_000 })
  const line = stdout.split('\n').find((l) => l.startsWith(`${port}/tcp`)) ?? stdout
  assert.match(line, /open\s+telnet\s+Linux telnetd/)
  assert.match(stdout, /OS: Linux/)
})

test('nmap -sV on the cisco persona names Cisco IOS telnetd', { timeout: 150_000 }, async (t) => {
  if (!requireTools(t, 'nmap')) return
  const h = await startEmulator(t, 'telnet', {}, { decky: { osFamily: 'cisco', hostname: 'CORE-RTR-01' } })
  const port = h.port(23)
  const { stdout } = await run('nmap', ['-sV', '-Pn', '-n', '-p', String(port), SERVER_ADDRESS], { timeout: 120_000 })
  const line = stdout.split('\n').find((l) => l.startsWith(`${port}/tcp`)) ?? stdout
  assert.match(line, /open\s+telnet\s+Cisco (IOS|router) telnetd/)
})

// hydra 9.4's telnet module sends the first attempt of a connection intact;
// its later attempts on the same connection reach the wire with the first
// byte of the login replaced by CR NUL ("\r\0oot\r\0" for "root"), so the
// server sees an empty login and the rest as the password. The emulator
// records exactly what was sent; the test checks every first attempt by pair
// and that each hydra connection's bytes became auth_attempts.
test('hydra: attempts land as auth_attempts with the client address, no false positive', { timeout: 240_000 }, async (t) => {
  if (!requireTools(t, 'hydra')) return
  const h = await startEmulator(t, 'telnet', {}, { kernelSource: true })
  const dir = await scratch(t)
  const users = ['root', 'admin', 'oracle']
  const passwords = ['123456', 'password', 'P@ss w0rd', 'letmein']
  await writeFile(join(dir, 'users'), `${users.join('\n')}\n`)
  await writeFile(join(dir, 'pass'), `${passwords.join('\n')}\n`)
  const r = await run('hydra', ['-I', '-t', '4', '-L', 'users', '-P', 'pass', `telnet://${h.host}:${h.port(23)}`], { cwd: dir, timeout: 200_000 })
    .catch((e: { stdout?: string; stderr?: string }) => e)
  const stdout = String(r.stdout ?? '')
  t.diagnostic(stdout.split('\n').filter((l) => /\[DATA\]|valid|completed/.test(l)).join(' | '))
  const attempts = h.sink.ofType('auth_attempt')
  const want = new Set(users.flatMap((u) => passwords.map((p) => `${u}:${p}`)))
  const first = attempts.filter((e) => e.fields.attempt === '1')
  assert.ok(first.length >= 4, `${first.length} connections logged an attempt`)
  for (const e of first) assert.ok(want.has(`${e.fields.username}:${e.fields.secret_printable}`), `first attempt ${e.fields.username}:${e.fields.secret_printable} is not one of hydra's pairs`)
  // every connection hydra opened and sent a password on became auth_attempts (up to login's three)
  assert.ok(attempts.length >= want.size - first.length, `${attempts.length} attempts for ${want.size} pairs`)
  for (const e of attempts) {
    assert.equal(e.fields.src_ip, '127.0.0.1')
    assert.equal(e.fields.secret_kind, 'plaintext')
    assert.equal(e.fields.outcome, 'failure')
  }
  assert.match(stdout, /0 valid passwords? found/, 'hydra reported a login that never succeeded')
})
