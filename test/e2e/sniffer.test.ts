// The sniffer against real clients captured here with tcpdump on lo: openssl
// s_client (TLS 1.2 and 1.3), curl, Node's tls, a post-quantum ClientHello
// sent in small TCP segments, the OpenSSH client against an ssh2 server.
// JA3, JA3S, HASSH and HASSHServer must equal tshark's own fields on the same
// file; JA4 must equal a JA4 computed (per the FoxIO spec) from tshark's
// dissection of the same hello. Live capture through LiveSource is checked too.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import ssh2 from 'ssh2'
import type { DecnetEvent } from '../../src/events/event.js'
import { FileSource, LiveSource, PcapFormatError, Sniffer, readCapture } from '../../src/sniffer/index.js'
import { clientHelloBody, ext, handshake, records } from '../helpers/sniffer-synth.js'
import { requireTools, type Requirement } from '../helpers/tools.js'

// ---- helpers -------------------------------------------------------------------

/** tcpdump captures on lo as root; everything is looked up one way (test/helpers/tools.ts). */
function haveTools(t: TestContext, bins: Requirement[]): boolean {
  return requireTools(t, ...(bins.includes('tcpdump') ? ['root' as const] : []), ...bins)
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-sniffer-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** `tcpdump -i lo -w FILE -U FILTER`, resolved once it listens; stop() waits for it to flush and exit. */
async function startCapture(t: TestContext, file: string, filter: string): Promise<{ stop(): Promise<void> }> {
  // as root, keep root: tcpdump would otherwise drop to its own user and fail to write into our 0700 temp dir
  const user = process.getuid?.() === 0 ? ['-Z', 'root'] : []
  const child: ChildProcess = spawn('tcpdump', ['-i', 'lo', '-w', file, '-U', '--immediate-mode', '-n', '-s', '0', ...user, filter], { stdio: ['ignore', 'ignore', 'pipe'] })
  let running = true
  child.once('exit', () => (running = false))
  t.after(() => {
    if (running) child.kill('SIGKILL')
  })
  await new Promise<void>((resolve, reject) => {
    let err = ''
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), 10_000)
    child.stderr!.setEncoding('utf8')
    child.stderr!.on('data', (s: string) => {
      err += s
      if (err.includes('listening on')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`tcpdump exited ${code}: ${err}`))
    })
  })
  return {
    async stop() {
      await new Promise((r) => setTimeout(r, 300))
      if (!running) return
      const exited = once(child, 'exit')
      child.kill('SIGINT')
      await exited
    },
  }
}

function tshark(file: string, filter: string, fields: string[], decodeAs?: string): string[][] {
  const args = ['-r', file, '-Y', filter, '-T', 'fields', '-E', 'separator=/t', '-E', 'aggregator=,', ...(decodeAs ? ['-d', decodeAs] : [])]
  for (const f of fields) args.push('-e', f)
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  assert.equal(r.status, 0, r.stderr)
  return r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => l.split('\t'))
}

async function sniffFile(file: string): Promise<DecnetEvent[]> {
  const events: DecnetEvent[] = []
  const sniffer = new Sniffer({ sink: { write: (e) => events.push(e) }, dedup: false, resolveDecky: (ip) => (ip === '127.0.0.1' ? 'decky-lo' : undefined) })
  await new FileSource(file).run((p) => sniffer.handle(p))
  sniffer.flush()
  assert.equal(sniffer.stats.errors, 0)
  return events
}

function run(bin: string, args: string[], timeoutMs = 10_000): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'ignore'] })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve(code)
    })
  })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** JA4 from tshark's dissection fields, written from the FoxIO spec independently of src/sniffer. */
function ja4FromTshark(version: string, ciphers: string, exts: string, supported: string, sigs: string, alpn: string): string {
  const num = (s: string) => (s === '' ? [] : s.split(',').map((x) => Number(x)))
  const grease = (v: number) => (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff)
  const h4 = (v: number) => v.toString(16).padStart(4, '0')
  const sha12 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12)
  const c = num(ciphers).filter((v) => !grease(v))
  const e = num(exts).filter((v) => !grease(v))
  const sv = num(supported).filter((v) => !grease(v))
  const ver = sv.length ? Math.max(...sv) : Number(version)
  const vtext = ({ 0x0304: '13', 0x0303: '12', 0x0302: '11', 0x0301: '10', 0x0300: 's3' } as Record<number, string>)[ver] ?? '00'
  const first = alpn.split(',')[0] ?? ''
  const al = first === '' ? '00' : /^[0-9A-Za-z]$/.test(first[0]!) && /^[0-9A-Za-z]$/.test(first[first.length - 1]!) ? first[0]! + first[first.length - 1]! : '??'
  const two = (n: number) => String(Math.min(n, 99)).padStart(2, '0')
  const a = `t${vtext}${e.includes(0) ? 'd' : 'i'}${two(c.length)}${two(e.length)}${al}`
  const cs = c.map(h4).sort().join(',')
  const es = e.filter((v) => v !== 0 && v !== 16).map(h4).sort().join(',')
  const sg = num(sigs).filter((v) => !grease(v)).map(h4).join(',')
  return `${a}_${cs ? sha12(cs) : '000000000000'}_${es ? sha12(sg ? `${es}_${sg}` : es) : '000000000000'}`
}

function selfSigned(dir: string): { key: string; cert: string } {
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=www.example.test'], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  return { key: readFileSync(join(dir, 'k.pem'), 'utf8'), cert: readFileSync(join(dir, 'c.pem'), 'utf8') }
}

// A TLS 1.3 hello with an X25519MLKEM768 key share (1216 bytes): ~1.5 KB, sent in 150-byte writes.
const PQ_HELLO = records(handshake(1, clientHelloBody({
  sessionId: Buffer.alloc(32, 9),
  ciphers: [0x5a5a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030],
  extensions: [
    { type: 0x8a8a }, ext.sni('pq.example.test'), ext.alpn(['h2', 'http/1.1']), ext.groups([0x11ec, 0x001d, 0x0017]),
    ext.pointFormats([0]), ext.sigAlgs([0x0403, 0x0804, 0x0401, 0x0503]), ext.versions([0x0304, 0x0303]),
    ext.keyShare(0x11ec, 1216), { type: 0x0017 }, { type: 0xff01, data: Buffer.from([0]) }, { type: 0x002d, data: Buffer.from([1, 1]) },
  ],
})))

// ---- TLS -----------------------------------------------------------------------

test('sniffer e2e: TLS clients on lo — JA3/JA3S equal tshark, JA4 equals the spec computed from tshark fields', async (t) => {
  if (!haveTools(t, ['tcpdump', 'tshark', 'openssl', 'curl'])) return
  const dir = tempDir(t)
  const { key, cert } = selfSigned(dir)
  const server = tls.createServer({ key, cert, ALPNProtocols: ['h2', 'http/1.1'], minVersion: 'TLSv1.2' }, (s) => {
    s.on('error', () => {})
    s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok')
  })
  server.on('tlsClientError', () => {})
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.after(() => server.close())
  const port = (server.address() as net.AddressInfo).port
  const file = join(dir, 'tls.pcap')
  const cap = await startCapture(t, file, `tcp port ${port}`)

  const target = `127.0.0.1:${port}`
  await run('openssl', ['s_client', '-connect', target, '-tls1_2', '-servername', 'tls12.example.test'])
  await run('openssl', ['s_client', '-connect', target, '-tls1_3', '-alpn', 'h2,http/1.1', '-servername', 'tls13.example.test'])
  await run('curl', ['-sk', '--max-time', '5', '-o', '/dev/null', `https://${target}/`])
  await new Promise<void>((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'node.example.test', ALPNProtocols: ['http/1.1'], rejectUnauthorized: false }, () => s.end())
    s.resume()
    s.on('error', () => resolve())
    s.on('close', () => resolve())
  })
  // the post-quantum hello, one 150-byte write at a time with Nagle off: one TCP segment each
  await new Promise<void>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, async () => {
      s.setNoDelay(true)
      for (let o = 0; o < PQ_HELLO.length; o += 150) {
        s.write(PQ_HELLO.subarray(o, o + 150))
        await sleep(15)
      }
      setTimeout(() => s.destroy(), 300)
    })
    s.on('error', () => {})
    s.on('close', () => resolve())
  })
  await cap.stop()
  assert.ok(statSync(file).size > 1000, `capture is ${statSync(file).size} bytes`)

  const events = await sniffFile(file)
  const hellos = new Map(events.filter((e) => e.type === 'tls_client_hello').map((e) => [e.fields.src_port, e]))
  const sharkHellos = tshark(file, 'tls.handshake.type == 1', [
    'tcp.srcport', 'tls.handshake.ja3', 'tls.handshake.ja3_full', 'tls.handshake.version', 'tls.handshake.ciphersuite', 'tls.handshake.extension.type',
    'tls.handshake.extensions.supported_version', 'tls.handshake.sig_hash_alg', 'tls.handshake.extensions_alpn_str', 'tls.handshake.extensions_server_name',
  ])
  assert.equal(sharkHellos.length, 5, 'five client hellos on the wire')
  assert.equal(hellos.size, 5)
  for (const [sport, ja3, ja3Full, version, ciphers, exts, supported, sigs, alpn, sni] of sharkHellos as string[][]) {
    const ev = hellos.get(sport!)
    assert.ok(ev, `no tls_client_hello for port ${sport}`)
    assert.equal(ev.fields.ja3, ja3, `ja3 of ${sport}`)
    assert.equal(ev.fields.ja3_full, ja3Full)
    assert.equal(ev.fields.ja4, ja4FromTshark(version!, ciphers!, exts!, supported!, sigs!, alpn!), `ja4 of ${sport}`)
    assert.equal(ev.fields.sni ?? '', sni ?? '')
    assert.equal(ev.fields.alpn, alpn ?? '')
    assert.equal(ev.decky, 'decky-lo')
    assert.match(ev.fields.ja4l!, /^\d+_64$/)
  }
  const pq = [...hellos.values()].find((e) => e.fields.sni === 'pq.example.test')
  assert.ok(pq, 'the split post-quantum hello was reassembled')
  assert.match(pq.fields.ja4!, /^t13d0710h2_/) // 8 ciphers and 11 extensions less one GREASE each
  assert.equal(pq.fields.raw_extensions, '35466-0-16-10-11-13-43-51-23-65281-45')
  const versions = new Set([...hellos.values()].map((e) => e.fields.tls_version))
  assert.ok(versions.has('TLS 1.2') && versions.has('TLS 1.3'))

  const servers = new Map(events.filter((e) => e.type === 'tls_server_hello').map((e) => [e.fields.src_port, e]))
  const sharkServers = tshark(file, 'tls.handshake.type == 2', ['tcp.dstport', 'tls.handshake.ja3s', 'tls.handshake.ja3s_full'])
  assert.ok(sharkServers.length >= 4)
  for (const [dport, ja3s, full] of sharkServers as string[][]) {
    const ev = servers.get(dport!)
    assert.ok(ev, `no tls_server_hello for client port ${dport}`)
    assert.equal(ev.fields.ja3s, ja3s)
    assert.equal(ev.fields.ja3s_full, full)
    assert.match(ev.fields.ja4s!, /^t1[23]\d{2}(h2|h1|00)_[0-9a-f]{4}_[0-9a-f]{12}$/)
  }

  // the same capture cut at every byte offset: only "not a capture" errors for tiny prefixes, no sniffer error
  const whole = readFileSync(file)
  const sniffer = new Sniffer({ sink: { write: () => {} } })
  for (let cut = 0; cut < whole.length; cut++) {
    try {
      readCapture(whole.subarray(0, cut), (p) => sniffer.handle(p))
    } catch (e) {
      assert.ok(e instanceof PcapFormatError && cut < 24, `cut at ${cut}: ${String(e)}`)
    }
  }
  assert.equal(sniffer.stats.errors, 0)
})

// ---- SSH -----------------------------------------------------------------------

test('sniffer e2e: OpenSSH client against an ssh2 server — HASSH and HASSHServer equal tshark', async (t) => {
  if (!haveTools(t, ['tcpdump', 'tshark', 'ssh', 'ssh-keygen'])) return
  const dir = tempDir(t)
  const keyFile = join(dir, 'host_ed25519')
  assert.equal(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]).status, 0)
  const server = new ssh2.Server({ hostKeys: [readFileSync(keyFile)], ident: 'OpenSSH_8.9p1 Ubuntu-3ubuntu0.6' }, (client) => {
    client.on('error', () => {})
    client.on('authentication', (ctx) => ctx.reject())
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.after(() => server.close())
  const port = (server.address() as net.AddressInfo).port
  const file = join(dir, 'ssh.pcap')
  const cap = await startCapture(t, file, `tcp port ${port}`)
  await run('ssh', ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'ConnectTimeout=5', '-p', String(port), 'root@127.0.0.1', 'true'])
  await cap.stop()

  const events = await sniffFile(file)
  const banner = events.find((e) => e.type === 'ssh_client_banner')
  assert.match(banner?.fields.ssh_version ?? '', /^SSH-2\.0-OpenSSH_/)
  assert.equal(banner?.fields.tool, 'openssh')
  const client = events.find((e) => e.type === 'ssh_client_kex')
  const srv = events.find((e) => e.type === 'ssh_server_kex')
  assert.ok(client && srv)
  const asSsh = `tcp.port==${port},ssh`
  const [[hassh, hasshAlgos]] = tshark(file, 'ssh.kex.hassh', ['ssh.kex.hassh', 'ssh.kex.hassh_algorithms'], asSsh) as [[string, string]]
  const [[hasshServer]] = tshark(file, 'ssh.kex.hasshserver', ['ssh.kex.hasshserver'], asSsh) as [[string]]
  assert.match(hassh, /^[0-9a-f]{32}$/)
  assert.equal(client.fields.hassh, hassh)
  assert.equal(client.fields.hassh_algorithms, hasshAlgos)
  assert.equal(srv.fields.hassh_server, hasshServer)
  assert.equal(srv.fields.ssh_server_version, 'SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6')
  assert.equal(client.fields.dst_port, String(port))
})

// ---- live ----------------------------------------------------------------------

test('sniffer e2e: live capture through tcpdump on "any" (Linux cooked v2 frames) emits events while clients connect', async (t) => {
  if (!haveTools(t, ['tcpdump'])) return
  const dir = tempDir(t)
  const { key, cert } = selfSigned(dir)
  const server = tls.createServer({ key, cert }, (s) => s.end())
  server.on('tlsClientError', () => {})
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.after(() => server.close())
  const port = (server.address() as net.AddressInfo).port
  const events: DecnetEvent[] = []
  let ready: () => void = () => {}
  const listening = new Promise<void>((r) => (ready = r))
  const sniffer = new Sniffer({ sink: { write: (e) => events.push(e) } })
  const source = new LiveSource({ interface: 'any', filter: `tcp port ${port}`, onLog: (l) => l.includes('listening on') && ready() })
  const done = source.run((p) => sniffer.handle(p))
  t.after(() => source.stop())
  await listening
  await new Promise<void>((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'live.example.test', rejectUnauthorized: false }, () => s.end())
    s.resume()
    s.on('error', () => resolve())
    s.on('close', () => resolve())
  })
  for (let i = 0; i < 50 && !events.some((e) => e.type === 'tls_server_hello'); i++) await sleep(100)
  source.stop()
  await done
  const hello = events.find((e) => e.type === 'tls_client_hello')
  assert.equal(hello?.fields.sni, 'live.example.test')
  assert.equal(hello?.fields.dst_port, String(port))
  assert.ok(events.some((e) => e.type === 'tls_server_hello'))
})
