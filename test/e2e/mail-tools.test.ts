// What tools see on the mail ports: nmap -sV names Dovecot on 110 and 143,
// every hydra guess lands as an auth_attempt credential, and curl logs in with
// the bait account over plain, STARTTLS and implicit TLS (docs/mail.md).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startEmulator } from '../helpers/emulator.js'
import { which } from '../helpers/tools.js'
import { mailPersona } from '../../src/honeypots/shared/mail/persona.js'

const run = promisify(execFile)
/** Tool → Debian package; a missing one fails the test by name. */
const NEEDS = { nmap: 'nmap', hydra: 'hydra', curl: 'curl' } as const
function need(name: keyof typeof NEEDS): string {
  const p = which(name)
  if (!p) throw new Error(`${name} is not on PATH (apt-get install ${NEEDS[name]})`)
  return p
}

test('nmap -sV names Dovecot pop3d and Dovecot imapd', { timeout: 240_000 }, async (t) => {
  const nmap = need('nmap')
  const pop = await startEmulator(t, 'pop3', {}, { decky: { hostname: 'mail' } })
  const imap = await startEmulator(t, 'imap', {}, { decky: { hostname: 'mail' } })
  const ports = [pop.port(110), imap.port(143)]
  const { stdout } = await run(nmap, ['-sV', '-Pn', '-n', '-p', ports.join(','), '127.0.0.1'], { timeout: 200_000 })
  const line = (p: number) => stdout.split('\n').find((l) => l.startsWith(`${p}/tcp`)) ?? stdout
  assert.match(line(pop.port(110)), /open\s+pop3\s+Dovecot pop3d/)
  assert.match(line(imap.port(143)), /open\s+imap\s+Dovecot imapd/)
})

for (const [slug, port, service] of [['pop3', 110, 'pop3'], ['imap', 143, 'imap']] as const) {
  test(`hydra against ${slug}: every attempt is an auth_attempt with the exact credential`, { timeout: 240_000 }, async (t) => {
    const hydra = need('hydra')
    const h = await startEmulator(t, slug, {}, { kernelSource: true })
    const p = mailPersona(h.ctx)
    const dir = await mkdtemp(join(tmpdir(), 'decnet-hydra-'))
    t.after(() => rm(dir, { recursive: true, force: true }))
    const users = ['admin', 'info', p.account.user]
    const passwords = ['123456', 'letmein', p.account.password]
    await writeFile(join(dir, 'users'), `${users.join('\n')}\n`)
    await writeFile(join(dir, 'pass'), `${passwords.join('\n')}\n`)
    const r = await run(hydra, ['-L', join(dir, 'users'), '-P', join(dir, 'pass'), '-t', '4', '-s', String(h.port(port)), h.host, service], { timeout: 200_000 })
      .catch((e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? '' }))
    assert.match(r.stdout, new RegExp(`login: ${p.account.user}\\s+password: ${p.account.password.replace(/[$!#@]/g, '\\$&')}`), r.stdout)
    const seen = new Set(h.sink.events.filter((e) => e.type === 'auth_attempt').map((e) => {
      assert.equal(e.fields.src_ip, h.client)
      assert.ok(e.fields.secret_b64)
      return `${e.fields.username}:${e.fields.secret_printable}:${e.fields.outcome}`
    }))
    for (const u of ['admin', 'info']) for (const pw of passwords) assert.ok(seen.has(`${u}:${pw}:failure`), `${u}:${pw} missing: ${[...seen].join(' ')}`)
    assert.ok(seen.has(`${p.account.user}:${p.account.password}:success`))
  })
}

test('curl logs in with the bait account: pop3, pop3 STARTTLS, pop3s, imap, imap STARTTLS, imaps', { timeout: 120_000 }, async (t) => {
  const curl = need('curl')
  const pop = await startEmulator(t, 'pop3', {}, { kernelSource: true })
  const imap = await startEmulator(t, 'imap', {}, { kernelSource: true })
  const p = mailPersona(pop.ctx)
  assert.deepEqual(mailPersona(imap.ctx).account.user.length > 0, true)
  const get = async (url: string, user: string, pass: string, extra: string[] = []) =>
    (await run(curl, ['-s', '-S', '-k', '--max-time', '20', '--user', `${user}:${pass}`, ...extra, url], { timeout: 30_000 })).stdout
  const subj = `Subject: ${p.messages[0]?.subject}`
  for (const [url, extra] of [
    [`pop3://${pop.host}:${pop.port(110)}/1`, []],
    [`pop3://${pop.host}:${pop.port(110)}/1`, ['--ssl-reqd']],
    [`pop3s://${pop.host}:${pop.port(995)}/1`, []],
  ] as const) assert.ok((await get(url, p.account.user, p.account.password, [...extra])).includes(subj), url)
  const ip = mailPersona(imap.ctx)
  const isubj = `Subject: ${ip.messages[0]?.subject}`
  for (const [url, extra] of [
    [`imap://${imap.host}:${imap.port(143)}/INBOX;UID=${ip.messages[0]?.uid}`, []],
    [`imap://${imap.host}:${imap.port(143)}/INBOX;UID=${ip.messages[0]?.uid}`, ['--ssl-reqd']],
    [`imaps://${imap.host}:${imap.port(993)}/INBOX;UID=${ip.messages[0]?.uid}`, []],
  ] as const) assert.ok((await get(url, ip.account.user, ip.account.password, [...extra])).includes(isubj), url)
  for (const h of [pop, imap]) {
    const ok = h.sink.events.filter((e) => e.type === 'auth_attempt' && e.fields.outcome === 'success')
    assert.equal(ok.length, 3)
    assert.deepEqual(ok.map((e) => e.fields.tls), ['false', 'true', 'true'])
    assert.ok(ok.every((e) => e.fields.src_ip === h.client))
  }
})
