// docs/ssh.md's timing claims, with the emulator's real defaults (no
// failDelayMs override, unlike auth-scp.test.ts):
// - "Everything else fails the way OpenSSH with PAM does: about 2 s (+ up to
//   0.4 s jitter, an async timer) before USERAUTH_FAILURE listing the distro's
//   methods (`publickey,password` on Debian/Ubuntu/Arch …)"
// - "120 s without a successful login closes the connection (LoginGraceTime)"
//   (and docs/events.md: `login_grace_timeout` ssh 120 s).
// The grace deadline cannot be lowered from outside src (AUTH_LIMITS is frozen
// and passed straight to ctx.listenTcp), so the test watches what the ssh
// emulator asks the runtime for (120 000 ms, `login_grace_timeout`) and runs
// the same emulator with only that number lowered: an idle pre-auth connection
// is closed with that reason, a connection that logged in is not.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect as tcpConnect } from 'node:net'
import ssh2 from 'ssh2'
import type { ConnectConfig } from 'ssh2'
import { CLIENT_ADDRESS, startEmulator } from '../../../test/helpers/emulator.js'
import type { TcpListenOptions } from '../../runtime/context.js'
import { AUTH_LIMITS } from './auth.js'

const PERSONA = { decky: { hostname: 'db-prod-3', distro: 'debian' } }

function client(port: number, cfg: Partial<ConnectConfig>): ssh2.Client {
  const c = new ssh2.Client()
  c.on('error', () => {})
  c.connect({ host: '127.0.0.1', localAddress: CLIENT_ADDRESS, port, readyTimeout: 20_000, ...cfg })
  return c
}

test('docs/ssh.md "about 2 s (+ up to 0.4 s jitter) before USERAUTH_FAILURE listing publickey,password": one wrong password, real default delay', async (t) => {
  assert.deepEqual([AUTH_LIMITS.failDelayMs, AUTH_LIMITS.failJitterMs], [2000, 400])
  const h = await startEmulator(t, 'ssh', { password: 'S3cr3t!' }, PERSONA)
  let sentAt = 0
  const failure = await new Promise<{ ms: number; methods: string[] }>((resolve, reject) => {
    const c = client(h.port(22), {
      username: 'root',
      // ssh2 calls authHandler first with null, then after each USERAUTH_FAILURE with the methods it lists
      authHandler: (methodsLeft: string[] | null, _partial: boolean | null, next: (a: unknown) => void) => {
        if (methodsLeft === null) {
          sentAt = performance.now()
          return next({ type: 'password', username: 'root', password: 'wrong-one' })
        }
        resolve({ ms: performance.now() - sentAt, methods: methodsLeft })
        next(false) // one attempt only
      },
    } as Partial<ConnectConfig>)
    c.on('close', () => reject(new Error('closed before USERAUTH_FAILURE')))
    t.after(() => c.end())
  })
  // ~2 s: the timer is 2000–2400 ms; allow for a loaded machine above, and for the client's own send/receive below
  assert.ok(failure.ms >= 1_500, `USERAUTH_FAILURE after ${failure.ms.toFixed(0)} ms, expected ≈2 s`)
  assert.ok(failure.ms < 4_000, `USERAUTH_FAILURE after ${failure.ms.toFixed(0)} ms, expected ≈2 s`)
  assert.deepEqual(failure.methods, ['publickey', 'password'])
  const ev = await h.sink.next('auth_attempt')
  assert.deepEqual([ev.fields.outcome, ev.fields.secret_printable, ev.fields.src_ip], ['failure', 'wrong-one', CLIENT_ADDRESS])
})

test('docs/ssh.md "120 s without a successful login closes the connection (LoginGraceTime)": the deadline ssh asks for, enforced', async (t) => {
  assert.equal(AUTH_LIMITS.loginGraceMs, 120_000)
  const asked: TcpListenOptions[] = []
  const LOWERED = 2_500
  const h = await startEmulator(t, 'ssh', { password: 'S3cr3t!' }, {
    ...PERSONA,
    wrapContext: (ctx) => ({
      ...ctx,
      listenTcp: (declared, onSession, opts = {}) => {
        asked.push(opts)
        return ctx.listenTcp(declared, onSession, { ...opts, handshakeTimeoutMs: LOWERED })
      },
    }),
  })
  assert.deepEqual(asked.map((o) => [o.handshakeTimeoutMs, o.handshakeReason]), [[120_000, 'login_grace_timeout']])

  // a client that logs in (well within the deadline) stays
  const ok = client(h.port(22), { username: 'root', password: 'S3cr3t!' })
  t.after(() => ok.end())
  await new Promise<void>((resolve, reject) => {
    ok.once('ready', resolve)
    ok.once('close', () => reject(new Error('login failed')))
  })
  // a connection that never authenticates (sends only its identification line)
  const idle = tcpConnect({ host: h.host, port: h.port(22), localAddress: CLIENT_ADDRESS })
  idle.on('error', () => {})
  idle.resume() // read the server's KEXINIT, so its FIN is seen and 'close' fires
  t.after(() => idle.destroy())
  await new Promise((r) => idle.once('connect', r))
  const idlePort = String(idle.localPort)
  idle.write('SSH-2.0-OpenSSH_9.6\r\n')
  const started = Date.now()
  await new Promise((r) => idle.once('close', r))
  const waited = Date.now() - started
  assert.ok(waited >= LOWERED - 500, `closed after ${waited} ms, before the deadline`)
  const bye = await h.sink.next('disconnect', (e) => e.fields.src_port === idlePort)
  assert.deepEqual([bye.fields.reason, bye.fields.src_ip], ['login_grace_timeout', CLIENT_ADDRESS])
  // the logged-in connection is still served past the deadline
  const out = await new Promise<string>((resolve, reject) => {
    ok.exec('hostname', (e, s) => {
      if (e) return reject(e)
      let o = ''
      s.on('data', (d: Buffer) => (o += d.toString()))
      s.on('close', () => resolve(o))
    })
  })
  assert.equal(out, 'db-prod-3\n')
})
