// What real tools see on the smtp emulator: nmap -sV names Postfix smtpd,
// every hydra guess lands as an auth_attempt credential (plaintext AUTH with
// the auth_before_tls persona, and over STARTTLS with hydra's TLS option),
// swaks and curl deliver a message whose stored artifact is the bytes sent
// (docs/smtp.md). A missing tool fails in strict mode, naming its package.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startEmulator } from '../helpers/emulator.js'
import { requireTools, tool } from '../helpers/tools.js'
import { nmapPort } from '../helpers/nmap.js'
import { mailPersona } from '../../src/honeypots/shared/mail/persona.js'

const run = promisify(execFile)

async function scratch(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'decnet-smtp-e2e-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

test('nmap -sV names Postfix smtpd on 25 and 587', { timeout: 240_000 }, async (t) => {
  if (!requireTools(t, 'nmap')) return
  const h = await startEmulator(t, 'smtp', {}, { decky: { hostname: 'mail' } })
  const ports = [h.port(25), h.port(587)]
  const { stdout } = await run(tool('nmap'), ['-sV', '-Pn', '-n', '-p', ports.join(','), '-S', h.client, '-e', 'lo', h.host], { timeout: 200_000 })
    .catch(() => run(tool('nmap'), ['-sV', '-Pn', '-n', '-p', ports.join(','), h.host], { timeout: 200_000 }))
  for (const p of ports) {
    const line = nmapPort(stdout, p)
    assert.equal(line.state, 'open')
    assert.match(line.version, /^Postfix smtpd/, line.line)
  }
})

for (const [label, config, suffix] of [
  ['plaintext AUTH LOGIN (auth_before_tls)', { auth_before_tls: true }, ''],
  ['AUTH LOGIN after STARTTLS (hydra TLS option)', {}, '/TLS:LOGIN'],
] as const) {
  test(`hydra smtp, ${label}: every attempt is an auth_attempt with the exact credential`, { timeout: 240_000 }, async (t) => {
    if (!requireTools(t, 'hydra')) return
    const h = await startEmulator(t, 'smtp', config, { kernelSource: true })
    const p = mailPersona(h.ctx)
    const dir = await scratch(t)
    const users = ['admin', 'info', p.account.user]
    const passwords = ['123456', 'P@ss w0rd', p.account.password]
    await writeFile(join(dir, 'users'), `${users.join('\n')}\n`)
    await writeFile(join(dir, 'pass'), `${passwords.join('\n')}\n`)
    const r = await run(tool('hydra'), ['-I', '-L', 'users', '-P', 'pass', '-t', '4', `smtp://${h.host}:${h.port(25)}${suffix}`], { cwd: dir, timeout: 200_000 })
      .catch((e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? '' }))
    assert.match(r.stdout, new RegExp(`login: ${p.account.user}\\s+password: ${p.account.password.replace(/[$!#@]/g, '\\$&')}`), `${r.stdout}\n${r.stderr}`)
    const seen = new Set(h.sink.ofType('auth_attempt').map((e) => {
      assert.equal(e.fields.src_ip, h.client)
      assert.equal(e.fields.mechanism, 'LOGIN')
      assert.equal(e.fields.tls, suffix ? 'true' : 'false')
      assert.ok(e.fields.secret_b64)
      return `${e.fields.username}:${e.fields.secret_printable}:${e.fields.outcome}`
    }))
    for (const u of ['admin', 'info']) for (const pw of passwords) assert.ok(seen.has(`${u}:${pw}:failure`), `${u}:${pw} missing: ${[...seen].join(' ')}`)
    assert.ok(seen.has(`${p.account.user}:${p.account.password}:success`))
  })
}

test('swaks delivers a message; the stored artifact is what it sent', { timeout: 60_000 }, async (t) => {
  if (!requireTools(t, 'swaks')) return
  const h = await startEmulator(t, 'smtp', {}, { decky: { hostname: 'mx.northbridge.io' } })
  const dir = await scratch(t)
  const body = 'From: ops <ops@attacker.example>\r\nTo: finance@northbridge.io\r\nSubject: swaks probe\r\n\r\nline one\r\n.starts with a dot\r\nlast line\r\n'
  await writeFile(join(dir, 'msg.eml'), body)
  const r = await run(tool('swaks'), [
    '--to', 'finance@northbridge.io', '--from', 'ops@attacker.example', '--server', `${h.host}:${h.port(25)}`, '--local-interface', h.client,
    '--helo', 'swaks.attacker.example', '--data', '@msg.eml', '--timeout', '20',
  ], { cwd: dir, timeout: 50_000 })
  assert.match(r.stdout, /<- {2}250 2\.0\.0 Ok: queued as [0-9A-F]+/)
  const art = await h.sink.next('artifact', (e) => e.fields.via === 'smtp')
  const stored = await readFile(art.fields.path ?? '')
  // swaks ends DATA with "\r\n.\r\n" after the file's own last CRLF: that CRLF is part of what it sent
  const sent = `${body}\r\n`
  assert.equal(stored.toString(), sent)
  assert.equal(art.fields.sha256, createHash('sha256').update(sent).digest('hex'))
  assert.deepEqual([art.fields.src_ip, art.fields.helo, art.fields.mail_from], [h.client, 'swaks.attacker.example', 'ops@attacker.example'])
})

test('curl smtp:// --mail-from --mail-rcpt -T: stored byte for byte; a foreign recipient is refused', { timeout: 60_000 }, async (t) => {
  if (!requireTools(t, 'curl')) return
  const h = await startEmulator(t, 'smtp', {}, { decky: { hostname: 'mx.northbridge.io' } })
  const dir = await scratch(t)
  const msg = 'Subject: curl probe\r\nFrom: a@attacker.example\r\n\r\n.dot line\r\nbody\r\n'
  await writeFile(join(dir, 'm.txt'), msg)
  const url = `smtp://${h.host}:${h.port(25)}/curl.attacker.example`
  await run(tool('curl'), ['-sS', '--interface', h.client, '--max-time', '20', url, '--mail-from', 'a@attacker.example', '--mail-rcpt', 'hr@northbridge.io', '-T', 'm.txt'], { cwd: dir, timeout: 30_000 })
  const art = await h.sink.next('artifact', (e) => e.fields.via === 'smtp')
  assert.equal((await readFile(art.fields.path ?? '')).toString(), msg)
  assert.deepEqual([art.fields.src_ip, art.fields.helo], [h.client, 'curl.attacker.example'])
  const denied = await run(tool('curl'), ['-sS', '--interface', h.client, '--max-time', '20', url, '--mail-from', 'a@attacker.example', '--mail-rcpt', 'x@gmail.example', '-T', 'm.txt'], { cwd: dir, timeout: 30_000 })
    .then(() => '', (e: { stderr?: string }) => e.stderr ?? 'failed')
  assert.match(denied, /RCPT failed: 554/)
})
