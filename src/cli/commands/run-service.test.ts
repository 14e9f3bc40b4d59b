// decnet run-service as a container runs it: NODE_NAME, HOSTNAME, LOG_TARGET
// and persona variables in the environment; events arrive as RFC 5424 lines.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { parseLine } from '../../syslog/index.js'
import type { DecnetEvent } from '../../events/event.js'
import ssh2 from 'ssh2'
import { UserError } from '../../errors.js'
import { getService, loadServices } from '../../services/registry.js'
import { makeServiceContext } from '../../runtime/service-runtime.js'
import { deriveHostKey } from '../../honeypots/ssh/host-keys.js'
import { runService } from './run-service.js'

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as { port: number }).port
  await new Promise((r) => s.close(r))
  return port
}

test('run-service http: persona from env, events to LOG_TARGET as RFC 5424 lines', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'decnet-rs-'))
  const collector = createSocket('udp4')
  await new Promise<void>((r) => collector.bind(0, '127.0.0.1', r))
  t.after(() => {
    collector.close()
    rmSync(home, { recursive: true, force: true })
  })
  const events: DecnetEvent[] = []
  collector.on('message', (m) => {
    const ev = parseLine(m.toString('utf8'))
    if (ev) events.push(ev)
  })
  // ports 80 and 443 move together; find an offset where 80+N is free
  const port = await freePort()
  const running = await runService('http', { bind: '127.0.0.1', portOffset: String(port - 80) }, {
    NODE_NAME: 'decky-07',
    HOSTNAME: 'WEB-PROD-07',
    LOG_TARGET: `127.0.0.1:${(collector.address()).port}`,
    FAKE_APP: 'wordpress',
    DECNET_HOME: home,
  })
  t.after(() => running.stop())
  assert.equal(running.supervisor.state, 'running')
  assert.equal(running.supervisor.ctx.config.fake_app, 'wordpress')
  const res = await fetch(`http://127.0.0.1:${port}/wp-login.php`, {
    method: 'POST',
    body: new URLSearchParams({ log: 'root', pwd: 'toor' }),
  })
  await res.arrayBuffer()
  const end = Date.now() + 5000
  let cred: DecnetEvent | undefined
  while (!cred && Date.now() < end) {
    cred = events.find((e) => e.fields.secret_printable === 'toor')
    if (!cred) await new Promise((r) => setTimeout(r, 50))
  }
  assert.ok(cred, `no credential event; got ${events.map((e) => e.type).join(', ')}`)
  assert.deepEqual([cred.decky, cred.service, cred.fields.principal, cred.fields.src_ip], ['decky-07', 'http', 'root', '127.0.0.1'])
})

async function collector(t: { after(fn: () => void): void }): Promise<{ target: string; events: DecnetEvent[]; next(pred: (e: DecnetEvent) => boolean): Promise<DecnetEvent> }> {
  const sock = createSocket('udp4')
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r))
  t.after(() => sock.close())
  const events: DecnetEvent[] = []
  sock.on('message', (m) => {
    const ev = parseLine(m.toString('utf8'))
    if (ev) events.push(ev)
  })
  return {
    target: `127.0.0.1:${sock.address().port}`,
    events,
    async next(pred) {
      const end = Date.now() + 10_000
      for (;;) {
        const hit = events.find(pred)
        if (hit) return hit
        if (Date.now() > end) throw new Error(`no such event; got ${events.map((e) => e.type).join(', ')}`)
        await new Promise((r) => setTimeout(r, 50))
      }
    },
  }
}

test('run-service ssh in a container: DECNET_DECKY_KEY gives the local engine host key; uploads land in DECNET_QUARANTINE_DIR', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-rs-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const secret = randomBytes(32) // the host's install secret; the container only sees the seed
  const seed = createHmac('sha256', secret).update('decky:decky-07').digest('hex')
  const quarantine = join(dir, 'mnt', 'coredump')
  const logs = await collector(t)
  const port = await freePort()
  const running = await runService('ssh', { bind: '127.0.0.1', portOffset: String(port - 22) }, {
    NODE_NAME: 'decky-07',
    HOSTNAME: 'db-prod-3',
    LOG_TARGET: logs.target,
    SSH_ROOT_PASSWORD: 'S3cr3t!',
    DECNET_DECKY_KEY: seed,
    DECNET_QUARANTINE_DIR: quarantine,
    DECNET_HOME: join(dir, 'container-home'),
  })
  t.after(() => running.stop())
  assert.equal(running.supervisor.state, 'running')
  // the container never made an install secret of its own
  assert.equal(existsSync(join(dir, 'container-home', 'install-secret')), false)

  // what the local engine builds for the same install secret and decky
  await loadServices()
  const local = makeServiceContext({
    decky: { name: 'decky-07', hostname: 'db-prod-3', ip: '127.0.0.1', osFamily: 'linux', distro: 'unknown' },
    plugin: getService('ssh'), bindAddress: '127.0.0.1', sink: { write() {} },
    home: join(dir, 'local-home'), artifactsRoot: join(dir, 'local-home', 'artifacts'), installSecret: secret,
  })
  const ctx = running.supervisor.ctx
  assert.equal(ctx.rng.fork('probe').hex(16), local.rng.fork('probe').hex(16))
  assert.equal(ctx.deckyRng.fork('probe').hex(16), local.deckyRng.fork('probe').hex(16))
  const pem = await deriveHostKey('ed25519', local.rng, { rsaBits: 2048, comment: 'x' })
  const parsed = ssh2.utils.parseKey(pem)
  if (parsed instanceof Error || Array.isArray(parsed)) assert.fail('derived key does not parse')
  const expected = parsed.getPublicSSH()

  let seen: Buffer | undefined
  const c = await new Promise<ssh2.Client>((resolve, reject) => {
    const cl = new ssh2.Client()
    cl.once('ready', () => resolve(cl))
    cl.on('error', reject)
    cl.connect({
      host: '127.0.0.1', port, username: 'root', password: 'S3cr3t!', readyTimeout: 10_000,
      algorithms: { serverHostKey: ['ssh-ed25519'] },
      hostVerifier: (key: Buffer) => {
        seen = key
        return true
      },
    })
  })
  t.after(() => c.end())
  assert.ok(seen)
  assert.equal(seen.toString('base64'), expected.toString('base64'))

  const sftp = await new Promise<ssh2.SFTPWrapper>((resolve, reject) => c.sftp((e, s) => (e ? reject(e) : resolve(s))))
  const payload = randomBytes(4096)
  await new Promise<void>((resolve, reject) => sftp.writeFile('/tmp/kit.bin', payload, (e) => (e ? reject(e) : resolve())))
  const sha = createHash('sha256').update(payload).digest('hex')
  const art = await logs.next((e) => e.type === 'artifact' && e.fields.sha256 === sha)
  assert.equal(art.fields.path, join(quarantine, art.fields.stored_as as string))
  assert.equal(createHash('sha256').update(readFileSync(art.fields.path as string)).digest('hex'), sha)
  assert.equal(existsSync(join(dir, 'container-home', 'artifacts')), false)
})

test('run-service: a malformed DECNET_DECKY_KEY is a user error', async () => {
  await assert.rejects(
    runService('http', { bind: '127.0.0.1' }, { NODE_NAME: 'd', DECNET_DECKY_KEY: 'abc', DECNET_HOME: join(tmpdir(), 'decnet-never') }),
    (e: unknown) => e instanceof UserError && /DECNET_DECKY_KEY: expected 64 hex digits/.test(e.message),
  )
})
