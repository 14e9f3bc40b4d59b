// Host key stability, and hostile input on the live port: random bytes,
// truncated idents and a real OpenSSH client hello cut short never take the
// server down, and a normal login still works afterwards.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect as tcpConnect, createServer } from 'node:net'
import { spawn, execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import ssh2 from 'ssh2'
import { CLIENT_ADDRESS, startEmulator } from '../../../test/helpers/emulator.js'
import { sha256Fingerprint } from './host-keys.js'

const run = promisify(execFile)

function hostKeyOf(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client()
    let fp = ''
    c.on('error', (e) => (fp ? resolve(fp) : reject(e)))
    c.on('ready', () => {
      c.end()
      resolve(fp)
    })
    c.connect({
      host: '127.0.0.1', port, username: 'root', password: 'x', readyTimeout: 10_000,
      algorithms: { serverHostKey: ['ssh-ed25519'] },
      hostVerifier: (key: Buffer) => {
        fp = sha256Fingerprint(key)
        return true
      },
    })
    c.on('close', () => (fp ? resolve(fp) : reject(new Error('closed without a host key'))))
  })
}

test('ssh: host keys are stable per install+decky and differ between deckies', async (t) => {
  const secret = randomBytes(32)
  const a = await startEmulator(t, 'ssh', {}, { installSecret: secret, decky: { name: 'decky-a', hostname: 'db-prod-3' } })
  const b = await startEmulator(t, 'ssh', {}, { installSecret: secret, decky: { name: 'decky-a', hostname: 'db-prod-3' } })
  const c = await startEmulator(t, 'ssh', {}, { installSecret: secret, decky: { name: 'decky-b', hostname: 'db-prod-3' } })
  const [fa, fb, fc2] = await Promise.all([hostKeyOf(a.port(22)), hostKeyOf(b.port(22)), hostKeyOf(c.port(22))])
  assert.match(fa, /^SHA256:[A-Za-z0-9+/]{43}$/)
  assert.equal(fa, fb)
  assert.notEqual(fa, fc2)
  // the stored key is OpenSSH's own format and is the one on the wire
  const pub = readFileSync(join(await a.ctx.stateDir(), 'ssh_host_ed25519_key.pub'), 'utf8')
  // (async: the emulator shares this process's event loop)
  const scanned = (await run('ssh-keyscan', ['-p', String(a.port(22)), '-t', 'ed25519', '127.0.0.1'], { encoding: 'utf8', timeout: 15_000 })).stdout
  assert.equal(scanned.trim().split(' ')[2], pub.split(' ')[1])
  const keygen = (await run('ssh-keygen', ['-lf', join(await a.ctx.stateDir(), 'ssh_host_rsa_key')], { encoding: 'utf8' })).stdout
  assert.match(keygen, /^3072 SHA256:\S+ root@db-prod-3 \(RSA\)/)
})

function sendRaw(port: number, chunks: Buffer[], waitMs = 150): Promise<Buffer> {
  return new Promise((resolve) => {
    const got: Buffer[] = []
    const s = tcpConnect(port, '127.0.0.1', () => {
      for (const c of chunks) s.write(c)
      setTimeout(() => s.destroy(), waitMs)
    })
    s.on('data', (d) => got.push(d))
    s.on('error', () => {})
    s.on('close', () => resolve(Buffer.concat(got)))
  })
}

/** The first bytes a real OpenSSH client sends (ident + KEXINIT), caught by a plain TCP listener. */
function captureOpenSshHello(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const srv = createServer((sock) => {
      const got: Buffer[] = []
      sock.write('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n')
      sock.on('data', (d) => {
        got.push(d)
        const all = Buffer.concat(got)
        const nl = all.indexOf(0x0a)
        if (nl > 0 && all.length > nl + 5 && all.length >= nl + 5 + all.readUInt32BE(nl + 1)) {
          sock.destroy()
          srv.close()
          resolve(all)
        }
      })
      sock.on('error', () => {})
    })
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      const p = spawn('ssh', ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-p', String(port), 'x@127.0.0.1', 'true'], { stdio: 'ignore' })
      p.on('error', reject)
      setTimeout(() => p.kill(), 5000).unref()
    })
  })
}

test('ssh: garbage, truncated idents and cut client hellos never crash the server', async (t) => {
  const h = await startEmulator(t, 'ssh', { password: 'S3cr3t!' }, { decky: { hostname: 'db-prod-3', distro: 'debian' } })
  const port = h.port(22)
  const banner = await sendRaw(port, [])
  assert.equal(banner.toString('latin1').split('\r\n')[0], 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3')
  for (const raw of ['SSH-2.0-', 'SSH-2.0-OpenSSH_9.2p1\r', 'SSH-1.5-old\r\n', 'GET / HTTP/1.0\r\n\r\n', 'SSH-2.0-x\r\n\x00\x00\x00\x05\x00', 'SSH-2.0-x\r\n\x7f\xff\xff\xff\x04abcd']) {
    await sendRaw(port, [Buffer.from(raw, 'latin1')])
  }
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 2048 }), async (bytes) => {
      await sendRaw(port, [Buffer.from(bytes)], 30)
    }),
    { numRuns: 40 },
  )
  const realHello = await captureOpenSshHello()
  for (let cut = 1; cut < realHello.length; cut += Math.max(1, Math.floor(realHello.length / 25))) {
    await sendRaw(port, [realHello.subarray(0, cut)], 30)
  }
  const ident = await h.sink.next('client_version', (e) => e.fields.client_version === 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10' || String(e.fields.client_version).startsWith('SSH-2.0-OpenSSH_'))
  assert.match(String(ident.fields.client_version), /^SSH-2\.0-OpenSSH_/)
  // still serving
  const c = await new Promise<ssh2.Client>((resolve, reject) => {
    const cl = new ssh2.Client()
    cl.on('ready', () => resolve(cl)).on('error', reject)
    cl.connect({ host: '127.0.0.1', port, username: 'root', password: 'S3cr3t!', readyTimeout: 10_000 })
  })
  c.end()
  assert.ok(h.sink.ofType('connect').length >= 40)
})

test('ssh: a non-SSH first line gets sshd\'s reply and a protocol_error, never a client_version', async (t) => {
  const h = await startEmulator(t, 'ssh', {}, { decky: { hostname: 'db-prod-3', distro: 'debian' } })
  const reply = await new Promise<string>((resolve, reject) => {
    const c = tcpConnect({ port: h.port(22), host: h.host, localAddress: h.client })
    let got = ''
    c.on('data', (d) => (got += d.toString('latin1')))
    c.on('error', reject)
    c.on('close', () => resolve(got))
    c.write('GET / HTTP/1.0\r\n\r\n')
  })
  assert.match(reply, /^SSH-2\.0-OpenSSH_9\.2p1 Debian-2\+deb12u3\r\nInvalid SSH identification string\.\r\n$/)
  const ev = await h.sink.next('protocol_error')
  assert.deepEqual([ev.fields.data, ev.fields.src_ip], ['GET / HTTP/1.0', h.client])
  assert.equal(CLIENT_ADDRESS, h.client)
  await h.sink.next('disconnect')
  assert.equal(h.sink.ofType('client_version').length, 0)
})
