// The ftp emulator against basic-ftp and a raw control connection: exact
// vsftpd replies, credentials with the client's address, anonymous login with
// LIST and RETR of bait, STOR into quarantine (sha256 equal), AUTH TLS with
// PROT P, active mode only to the client's own address.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { createServer, connect, type Socket } from 'node:net'
import { readFile } from 'node:fs/promises'
import { Readable, Writable } from 'node:stream'
import { gunzipSync } from 'node:zlib'
import { Client } from 'basic-ftp'
import { KERNEL_SERVER_ADDRESS, SERVER_ADDRESS, freePort, startEmulator } from '../../../test/helpers/emulator.js'

/** The brief's client address: another loopback address than the server's. */
const RAW_CLIENT = '127.0.0.3'

async function pasvRange(host: string): Promise<{ pasv_min_port: number; pasv_max_port: number }> {
  const base = await freePort(host)
  return { pasv_min_port: base, pasv_max_port: base + 3 }
}

/** A line-oriented raw control connection. */
class Raw {
  buf = ''
  waiters: (() => void)[] = []
  closed = false
  constructor(readonly sock: Socket) {
    sock.setEncoding('latin1')
    sock.on('data', (d: string) => {
      this.buf += d
      for (const w of this.waiters.splice(0)) w()
    })
    sock.on('close', () => {
      this.closed = true
      for (const w of this.waiters.splice(0)) w()
    })
    sock.on('error', () => {})
  }
  static open(port: number, host = SERVER_ADDRESS, from = RAW_CLIENT): Promise<Raw> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port, localAddress: from }, () => resolve(new Raw(s)))
      s.once('error', reject)
    })
  }
  /** The next complete reply (multi-line aware), as its lines. */
  async reply(timeoutMs = 5000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const lines = this.buf.split('\r\n')
      const first = lines[0] ?? ''
      const code = first.slice(0, 3)
      const endAt = first[3] === '-' ? lines.findIndex((l, i) => i > 0 && l.startsWith(`${code} `)) : lines.length > 1 ? 0 : -1
      if (endAt >= 0) {
        const out = lines.slice(0, endAt + 1)
        this.buf = lines.slice(endAt + 1).join('\r\n')
        return out
      }
      if (this.closed) throw new Error(`closed; buffered ${JSON.stringify(this.buf)}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no reply within ${timeoutMs} ms; buffered ${JSON.stringify(this.buf)}`)
      await new Promise<void>((r) => {
        const t = setTimeout(r, left)
        this.waiters.push(() => {
          clearTimeout(t)
          r()
        })
      })
    }
  }
  async cmd(line: string): Promise<string[]> {
    this.sock.write(`${line}\r\n`)
    return this.reply()
  }
}

test('ftp: vsftpd 3.0.3 wording, a failed login captured with the client address after the 1 s delay', async (t) => {
  const h = await startEmulator(t, 'ftp', await pasvRange(SERVER_ADDRESS))
  const c = await Raw.open(h.port(21))
  assert.deepEqual(await c.reply(), ['220 (vsFTPd 3.0.3)'])
  assert.deepEqual(await c.cmd('SYST'), ['530 Please login with USER and PASS.'])
  assert.deepEqual(await c.cmd('PASS x'), ['503 Login with USER first.'])
  assert.deepEqual(await c.cmd('FEAT'), ['211-Features:', ' EPRT', ' EPSV', ' MDTM', ' PASV', ' REST STREAM', ' SIZE', ' TVFS', ' UTF8', '211 End'])
  assert.deepEqual(await c.cmd('USER root'), ['331 Please specify the password.'])
  const sent = Date.now()
  assert.deepEqual(await c.cmd('PASS S3cr3t pass'), ['530 Login incorrect.'])
  const waited = Date.now() - sent
  assert.ok(waited >= 900, `530 after ${waited} ms, vsftpd waits 1 s`)
  const e = await h.sink.next('auth_attempt')
  assert.equal(e.fields.src_ip, RAW_CLIENT)
  assert.equal(e.fields.username, 'root')
  assert.equal(e.fields.principal, 'root')
  assert.equal(e.fields.secret_kind, 'plaintext')
  assert.equal(e.fields.secret_printable, 'S3cr3t pass')
  assert.equal(e.fields.secret_b64, Buffer.from('S3cr3t pass').toString('base64'))
  assert.equal(e.fields.outcome, 'failure')
  // vsftpd max_login_fails=3: the third failure closes the connection
  await c.cmd('USER root')
  await c.cmd('PASS a')
  await c.cmd('USER root')
  assert.deepEqual(await c.cmd('PASS b'), ['530 Login incorrect.'])
  await new Promise<void>((r) => (c.closed ? r() : c.sock.once('close', () => r())))
  assert.equal(h.sink.ofType('auth_attempt').length, 3)
  assert.ok(h.sink.ofType('auth_attempt').every((x) => x.fields.src_ip === RAW_CLIENT && x.fields.src_port !== undefined))
})

test('ftp: PORT/EPRT to another address is refused (500 Illegal PORT command.) and logged as a bounce; PORT to the client works', async (t) => {
  const h = await startEmulator(t, 'ftp', await pasvRange(SERVER_ADDRESS))
  const c = await Raw.open(h.port(21))
  await c.reply()
  await c.cmd('USER anonymous')
  assert.deepEqual(await c.cmd('PASS guest@example.com'), ['230 Login successful.'])
  assert.deepEqual(await c.cmd('PORT 10,0,0,5,0,25'), ['500 Illegal PORT command.'])
  const b = await h.sink.next('ftp_bounce_attempt')
  assert.equal(b.fields.src_ip, RAW_CLIENT)
  assert.equal(b.fields.target_ip, '10.0.0.5')
  assert.equal(b.fields.target_port, '25')
  assert.equal(b.fields.reason, 'foreign_address')
  assert.deepEqual(await c.cmd('EPRT |1|192.0.2.7|8080|'), ['500 Bad EPRT command.'])
  assert.deepEqual(await c.cmd(`PORT ${RAW_CLIENT.replaceAll('.', ',')},0,80`), ['500 Illegal PORT command.'], 'a privileged port of the client')
  assert.equal(h.sink.ofType('ftp_bounce_attempt').length, 3)
  // active mode to the client's own address: the listing arrives from the server
  const got: Buffer[] = []
  const done = new Promise<void>((resolve) => {
    const srv = createServer((s) => {
      s.on('data', (d: Buffer) => got.push(d))
      s.on('close', () => {
        srv.close()
        resolve()
      })
    })
    srv.listen(0, RAW_CLIENT, async () => {
      const addr = srv.address()
      const p = typeof addr === 'object' && addr ? addr.port : 0
      assert.deepEqual(await c.cmd(`PORT ${RAW_CLIENT.replaceAll('.', ',')},${p >> 8},${p & 0xff}`), ['200 PORT command successful. Consider using PASV.'])
      assert.deepEqual(await c.cmd('LIST'), ['150 Here comes the directory listing.'])
    })
  })
  await done
  assert.deepEqual(await c.reply(), ['226 Directory send OK.'])
  assert.match(Buffer.concat(got).toString(), /^-rw-r--r-- {4}1 0 {8}0 {8} +\d+ \w{3} \d{2} .+ README\.txt\r$/m)
  assert.deepEqual(await c.cmd('QUIT'), ['221 Goodbye.'])
})

test('ftp: basic-ftp anonymous login, LIST, RETR of a bait file, STOR into quarantine with the same sha256', async (t) => {
  const h = await startEmulator(t, 'ftp', await pasvRange(KERNEL_SERVER_ADDRESS), { kernelSource: true })
  const client = new Client(10_000)
  t.after(() => client.close())
  const welcome = await client.access({ host: h.host, port: h.port(21), user: 'anonymous', password: 'mozilla@example.com' })
  assert.equal(welcome.message, '220 (vsFTPd 3.0.3)')
  const list = await client.list()
  const names = list.map((f) => f.name)
  assert.ok(names.includes('README.txt') && names.includes('backup'), names.join(','))
  assert.ok(names.includes('.htaccess'), 'basic-ftp asks LIST -a: dotfiles shown, as vsftpd does')
  const tgz = names.find((n) => n.endsWith('.tar.gz'))
  assert.ok(tgz)
  const chunks: Buffer[] = []
  await client.downloadTo(new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) }), tgz)
  const tar = gunzipSync(Buffer.concat(chunks))
  assert.match(tar.subarray(512, 1024).toString(), /MySQL dump/, 'a valid tar.gz with the SQL dump')
  const readme: Buffer[] = []
  await client.downloadTo(new Writable({ write: (c: Buffer, _e, cb) => (readme.push(c), cb()) }), 'README.txt')
  assert.match(Buffer.concat(readme).toString(), /drop area\nRotation: keep last 14/)
  assert.equal(await client.size('README.txt'), Buffer.concat(readme).length)
  assert.equal(await client.pwd(), '/')

  const payload = randomBytes(200_000)
  await client.uploadFrom(Readable.from([payload]), 'dropper.bin')
  const art = await h.sink.next('artifact')
  assert.equal(art.fields.sha256, createHash('sha256').update(payload).digest('hex'))
  assert.equal(art.fields.src_ip, '127.0.0.1')
  assert.equal(art.fields.ftp_path, '/dropper.bin')
  assert.equal(art.fields.via, 'stor')
  assert.ok(art.fields.path)
  assert.ok((await readFile(String(art.fields.path))).equals(payload))
  const login = await h.sink.next('auth_attempt')
  assert.deepEqual([login.fields.username, login.fields.secret_printable, login.fields.outcome, login.fields.src_ip], ['anonymous', 'mozilla@example.com', 'success', '127.0.0.1'])
  assert.ok((await client.list()).some((f) => f.name === 'dropper.bin'), 'the upload shows in the listing')
})

test('ftp: bait account over AUTH TLS with PROT P (basic-ftp secure), upload and listing on TLS data channels', async (t) => {
  const h = await startEmulator(t, 'ftp', { ...(await pasvRange(KERNEL_SERVER_ADDRESS)), ssl: true, user: 'backup', password: 'Backup#2023' }, { kernelSource: true })
  const client = new Client(10_000)
  t.after(() => client.close())
  await client.access({ host: h.host, port: h.port(21), user: 'backup', password: 'Backup#2023', secure: true, secureOptions: { rejectUnauthorized: false } })
  const tls = await h.sink.next('tls_handshake')
  assert.equal(tls.fields.src_ip, '127.0.0.1')
  assert.ok((await client.list('/backup')).some((f) => f.name === '.env.bak'))
  const payload = randomBytes(5000)
  await client.uploadFrom(Readable.from([payload]), 'backup/x.tar')
  const art = await h.sink.next('artifact')
  assert.equal(art.fields.sha256, createHash('sha256').update(payload).digest('hex'))
  assert.equal(art.fields.ftp_user, 'backup')
  const ok = await h.sink.next('auth_attempt')
  assert.deepEqual([ok.fields.username, ok.fields.secret_printable, ok.fields.outcome, ok.fields.tls], ['backup', 'Backup#2023', 'success', 'true'])
})

test('ftp: ProFTPD persona greets and answers as ProFTPD; anonymous off refuses the guest', async (t) => {
  const h = await startEmulator(t, 'ftp', { ...(await pasvRange(SERVER_ADDRESS)), server: 'proftpd', anonymous: false })
  const c = await Raw.open(h.port(21))
  const [greet] = await c.reply()
  assert.match(greet ?? '', /^220 ProFTPD 1\.3\.7a Server \(Debian\) \[::ffff:127\.0\.0\.1\]$/)
  assert.deepEqual(await c.cmd('USER anonymous'), ['331 Password required for anonymous'])
  assert.deepEqual(await c.cmd('PASS x@y'), ['530 Login incorrect.'])
  const e = await h.sink.next('auth_attempt')
  assert.equal(e.fields.outcome, 'failure')
})
