import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeSecret, type DecnetEvent, type EventFields } from '../events/event.js'
import { formatEvent, parseLine } from '../syslog/index.js'
import { decnetHome } from '../runtime/paths.js'
import { Ingester, openStore, sourceOf, strictBase64, type Store } from './index.js'

function tempStore(t: TestContext): { store: Store; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-store-'))
  const store = openStore(dir)
  t.after(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return { store, dir }
}

let clock = 0
function ev(service: string, type: string, fields: EventFields, decky = 'decky-01'): DecnetEvent {
  clock++
  const s = String(clock).padStart(2, '0')
  return { time: `2026-11-28T01:00:${s}.000000+00:00`, decky, service, type, severity: 6, fields }
}

test('decnetHome: DECNET_HOME, else XDG_DATA_HOME/decnet', (t) => {
  const saved = { home: process.env.DECNET_HOME, xdg: process.env.XDG_DATA_HOME }
  t.after(() => {
    if (saved.home === undefined) delete process.env.DECNET_HOME
    else process.env.DECNET_HOME = saved.home
    if (saved.xdg === undefined) delete process.env.XDG_DATA_HOME
    else process.env.XDG_DATA_HOME = saved.xdg
  })
  process.env.DECNET_HOME = '/x/home'
  assert.equal(decnetHome(), '/x/home')
  delete process.env.DECNET_HOME
  process.env.XDG_DATA_HOME = '/x/xdg'
  assert.equal(decnetHome(), '/x/xdg/decnet')
})

test('sourceOf and strictBase64', () => {
  assert.deepEqual(sourceOf({ src_ip: '10.0.0.9', src_port: '4444' }), { ip: '10.0.0.9', port: 4444 })
  assert.deepEqual(sourceOf({ remote_addr: '10.0.0.9:5555' }), { ip: '10.0.0.9', port: 5555 })
  assert.deepEqual(sourceOf({ remote_addr: '[2001:db8::1]:80' }), { ip: '2001:db8::1', port: 80 })
  assert.deepEqual(sourceOf({ src: 'not-an-ip', client_ip: '::1' }), { ip: '::1', port: null })
  assert.equal(sourceOf({ username: 'root' }), undefined)
  assert.deepEqual(strictBase64('cm9vdA=='), Buffer.from('root'))
  assert.equal(strictBase64('cm9vdA='), undefined)
  assert.equal(strictBase64('cm9v dA=='), undefined)
  assert.equal(strictBase64('cm9vdB=='), undefined) // non-canonical trailing bits
  assert.deepEqual(strictBase64(''), Buffer.alloc(0))
})

test('credentials: strict secret, principal or username, dedup bumps attempt_count', async (t) => {
  const { store } = tempStore(t)
  const ing = new Ingester(store)
  const src = { src_ip: '198.51.100.7', src_port: '50123' }
  const cred = { principal: 'admin', secret_kind: 'plaintext', ...encodeSecret('hunter2\u0000é') }
  ing.write(ev('http', 'request', { ...src, ...cred }))
  ing.write(ev('http', 'request', { ...src, ...cred, outcome: 'failure' }))
  ing.write(ev('http', 'request', { ...src, ...cred }))
  ing.write(ev('ssh', 'auth_attempt', { ...src, username: 'root', ...encodeSecret('toor') })) // username → principal
  ing.write(ev('ftp', 'auth_attempt', { username: 'anon', ...encodeSecret('x') })) // no source: attacker_ip ''
  ing.write(ev('http', 'request', { ...src, secret_b64: 'not base64!' })) // dropped
  await ing.close()

  const creds = await store.credentials()
  assert.equal(creds.length, 3)
  const http = creds.find((c) => c.service === 'http')
  assert.ok(http)
  assert.deepEqual(
    [http.attacker_ip, http.decky, http.principal, http.secret_kind, http.secret_printable, http.attempt_count, http.outcome],
    ['198.51.100.7', 'decky-01', 'admin', 'plaintext', 'hunter2???', 3, 'failure'],
  )
  assert.equal(http.secret_sha256, createHash('sha256').update('hunter2\u0000é').digest('hex'))
  assert.deepEqual(Buffer.from(http.secret_b64, 'base64'), Buffer.from('hunter2\u0000é'))
  assert.ok(http.first_seen < http.last_seen)
  const ssh = creds.find((c) => c.service === 'ssh')
  assert.deepEqual([ssh?.principal, ssh?.secret_printable, ssh?.attempt_count], ['root', 'toor', 1])
  const ftp = creds.find((c) => c.service === 'ftp')
  assert.equal(ftp?.attacker_ip, '')
  assert.equal(ing.stats.badSecrets, 1)
  assert.equal((await store.counts()).events, 6)
})

test('fingerprints: one row per field kind, identical ones counted', async (t) => {
  const { store } = tempStore(t)
  const ing = new Ingester(store)
  const src = { src_ip: '203.0.113.5', src_port: '40000' }
  const hello = { ...src, ja3: 'aaa', ja4: 't13d1516h2_8daaf6152771_b186095e22b6', sni: 'mail.example.com', tls_version: '771' }
  ing.write(ev('sniffer', 'tls_client_hello', hello))
  ing.write(ev('sniffer', 'tls_client_hello', { ...hello, src_port: '40001' }))
  ing.write(ev('sniffer', 'tls_session', { ...src, ja3s: 'bbb', ja4s: 'ccc', ja4l: '120_64' }))
  ing.write(ev('ssh', 'kex', { ...src, hassh: 'h1', hassh_server: 'h2' }))
  ing.write(ev('http', 'request', { ...src, method: 'GET', path: '/', headers: JSON.stringify({ Host: 'x', 'User-Agent': 'sqlmap/1.7#stable' }) }))
  ing.write(ev('http', 'request', { ...src, headers: JSON.stringify([['user-agent', 'curl/8.5.0']]) }))
  ing.write(ev('http', 'request', { ...src, user_agent: 'curl/8.5.0' }))
  ing.write(ev('vnc', 'version', { ...src, client_version: 'RFB 003.008' }))
  await ing.close()

  const fps = await store.fingerprints()
  const byKind = new Map(fps.map((f) => [`${f.kind}=${f.value}`, f]))
  assert.equal(byKind.get('ja3=aaa')?.count, 2)
  assert.equal(byKind.get('ja3=aaa')?.extra.sni, 'mail.example.com')
  assert.equal(byKind.get('ja4=t13d1516h2_8daaf6152771_b186095e22b6')?.count, 2)
  for (const k of ['ja3s=bbb', 'ja4s=ccc', 'ja4l=120_64', 'hassh=h1', 'hassh_server=h2', 'vnc_client_version=RFB 003.008']) {
    assert.equal(byKind.get(k)?.count, 1, k)
    assert.equal(byKind.get(k)?.src_ip, '203.0.113.5')
  }
  assert.equal(byKind.get('http_useragent=sqlmap/1.7#stable')?.extra.tool, 'sqlmap')
  assert.equal(byKind.get('http_useragent=curl/8.5.0')?.count, 2)
  assert.equal(fps.length, 10)
  const [who] = await store.attackers()
  assert.deepEqual(who?.tools, ['sqlmap', 'curl'])
})

test('fingerprints: an event standing for several sightings adds its count', async (t) => {
  const { store } = tempStore(t)
  const ing = new Ingester(store)
  const src = { src_ip: '203.0.113.9', src_port: '40000' }
  ing.write(ev('sniffer', 'tls_client_hello', { ...src, ja3: 'abc' }))
  ing.write(ev('sniffer', 'tls_client_hello', { ...src, ja3: 'abc', count: '4' }))
  ing.write(ev('sniffer', 'tls_client_hello', { ...src, ja3: 'abc', count: 'lots' }))
  await ing.close()
  const [fp] = await store.fingerprints({ kind: 'ja3' })
  assert.equal(fp?.count, 6)
})

test('artifacts from artifact events, deduplicated by sha256 and decky', async (t) => {
  const { store } = tempStore(t)
  const ing = new Ingester(store)
  const sha = createHash('sha256').update('payload').digest('hex')
  const art = { src_ip: '192.0.2.1', src_port: '1', sha256: sha, size: '7', stored_as: `2026-11-28T01:00:00Z_${sha.slice(0, 12)}_x.sh`, path: '/q/x.sh', name: '../x.sh' }
  ing.write(ev('ftp', 'artifact', art))
  ing.write(ev('ftp', 'artifact', { ...art, duplicate: 'true' }))
  ing.write(ev('ftp', 'artifact', art, 'decky-02'))
  ing.write(ev('ftp', 'artifact', { ...art, sha256: 'zz' })) // not a sha256: no row
  await ing.close()
  const arts = await store.artifacts()
  assert.equal(arts.length, 2)
  const one = arts.find((a) => a.decky === 'decky-01')
  assert.deepEqual([one?.size, one?.name, one?.stored_as, one?.path, one?.src_ip, one?.seen_count], [7, '../x.sh', art.stored_as, '/q/x.sh', '192.0.2.1', 2])
})

test('attackers aggregate across batches: counts, deckies, services; no row without a source', async (t) => {
  const { store } = tempStore(t)
  const ing = new Ingester(store, { batchSize: 2, maxBatch: 2 })
  const a = { src_ip: '198.51.100.1', src_port: '1000' }
  ing.write(ev('ssh', 'connect', a, 'decky-01'))
  ing.write(ev('ssh', 'auth_attempt', { ...a, username: 'root', ...encodeSecret('123456') }, 'decky-01'))
  ing.write(ev('http', 'request', a, 'decky-02'))
  ing.write(ev('smb', 'connect', a, 'decky-03'))
  ing.write(ev('http', 'request', { ...a, user_agent: 'Mozilla/5.0 zgrab/0.x' }, 'decky-02'))
  ing.write(ev('dns', 'startup', {}))
  ing.write(ev('ssh', 'connect', { src_ip: '198.51.100.2', src_port: '9' }))
  await ing.close()
  const rows = await store.attackers()
  assert.equal(rows.length, 2)
  const one = rows.find((r) => r.ip === '198.51.100.1')
  assert.deepEqual(
    [one?.event_count, one?.credential_count, one?.deckies, one?.services, one?.tools],
    [5, 1, ['decky-01', 'decky-02', 'decky-03'], ['ssh', 'http', 'smb'], ['zgrab']],
  )
  assert.ok(one && one.first_seen < one.last_seen)
})

test('events: raw line kept, filters, newest-first limit, afterId following', async (t) => {
  const { store } = tempStore(t)
  const ing = new Ingester(store)
  const e1 = ev('http', 'request', { src_ip: '192.0.2.9', src_port: '8080', path: '/a]"\\\n' }, 'decky-01')
  const line = formatEvent(e1)
  const parsed = parseLine(line)
  assert.ok(parsed)
  ing.write(parsed, line)
  for (let i = 0; i < 5; i++) ing.write(ev('ssh', 'connect', { src_ip: '192.0.2.10', src_port: String(i) }, 'decky-02'))
  ing.reject('garbage', '127.0.0.1:5', 'unparsable')
  await ing.close()
  const all = await store.events()
  assert.equal(all.length, 6)
  assert.deepEqual([all[0]?.raw, all[0]?.fields.path, all[0]?.src_ip, all[0]?.src_port], [line, '/a]"\\\n', '192.0.2.9', 8080])
  const last2 = await store.events({ service: 'ssh', limit: 2 })
  assert.deepEqual(last2.map((e) => e.src_port), [3, 4])
  const after = await store.events({ afterId: all[3]!.id })
  assert.deepEqual(after.map((e) => e.id), [all[4]!.id, all[5]!.id])
  assert.equal((await store.events({ since: all[5]!.time })).length, 1)
  assert.deepEqual((await store.rejects()).map((r) => [r.raw, r.reason]), [['garbage', 'unparsable']])
})

test('ingester flushes on its timer without an explicit flush', async (t) => {
  const { store } = tempStore(t)
  const ing = new Ingester(store, { flushMs: 20 })
  ing.write(ev('ssh', 'connect', { src_ip: '192.0.2.1' }))
  const deadline = Date.now() + 5000
  while ((await store.counts()).events === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  assert.equal((await store.counts()).events, 1)
  await ing.close()
  ing.write(ev('ssh', 'connect', { src_ip: '192.0.2.1' }))
  assert.equal(ing.stats.dropped, 1)
})

test('a failing store costs the batch, counted and reported, never an exception to the emitter', async (t) => {
  const { store } = tempStore(t)
  const errors: string[] = []
  const ing = new Ingester(store, { onError: (e) => errors.push(e.message) })
  await store.close()
  ing.write(ev('ssh', 'connect', { src_ip: '192.0.2.1' }))
  await ing.flush()
  assert.equal(ing.stats.failedBatches, 1)
  assert.match(errors[0] ?? '', /store is closed/)
})

test('without onError, failed batches go to the injected log, throttled (1st, 10th, 100th …)', async (t) => {
  const { store } = tempStore(t)
  const lines: string[] = []
  const ing = new Ingester(store, { batchSize: 1, log: (m) => lines.push(m) })
  await store.close()
  for (let i = 0; i < 12; i++) {
    ing.write(ev('ssh', 'connect', { src_ip: '192.0.2.1' }))
    await ing.flush()
  }
  assert.equal(ing.stats.failedBatches, 12)
  assert.equal(lines.length, 2)
  assert.match(lines[0] ?? '', /^ingest: .*store is closed.* \(1 failed batch\)$/)
  assert.match(lines[1] ?? '', /\(10 failed batches\)$/)
})
