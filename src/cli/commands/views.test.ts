// decnet logs / bounty / attackers / collect: in-process APIs on a temp store,
// plus main() in a child process for the --json wiring.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { encodeSecret, type DecnetEvent } from '../../events/event.js'
import { Ingester, openStore, type Store } from '../../store/index.js'
import { parseSince, safeText } from '../../store/views.js'
import { formatEvent } from '../../syslog/index.js'
import { attackerRecords, renderAttackers } from './attackers.js'
import { bountyRecords, renderBounty } from './bounty.js'
import { startCollect } from './collect.js'
import { runLogs } from './logs.js'

const execFileP = promisify(execFile)
const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

function ev(i: number, decky: string, service: string, type: string, fields: Record<string, string>): DecnetEvent {
  return { time: `2026-11-28T03:00:${String(i).padStart(2, '0')}.000000+00:00`, decky, service, type, severity: 6, fields }
}

async function seeded(t: TestContext): Promise<{ dir: string; store: Store }> {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-views-'))
  const store = openStore(dir)
  t.after(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const ing = new Ingester(store)
  const a = { src_ip: '198.51.100.20', src_port: '51000' }
  const b = { src_ip: '198.51.100.21', src_port: '52000' }
  ing.write(ev(1, 'web-01', 'http', 'request', { ...a, method: 'POST', path: '/wp-login.php', user_agent: 'curl/8.5.0', principal: 'admin', secret_kind: 'plaintext', ...encodeSecret('S3cret!') }))
  ing.write(ev(2, 'web-01', 'http', 'request', { ...a, method: 'POST', path: '/wp-login.php', principal: 'admin', secret_kind: 'plaintext', ...encodeSecret('S3cret!') }))
  ing.write(ev(3, 'web-02', 'http', 'request', { ...b, method: 'GET', path: '/\u001b[2J', authorization: 'Basic', principal: 'bob', ...encodeSecret('pw') }))
  ing.write(ev(4, 'ssh-01', 'ssh', 'connect', { ...b }))
  ing.write(ev(5, 'ssh-01', 'ssh', 'artifact', { ...b, sha256: 'a'.repeat(64), size: '10', stored_as: 'x', path: '/q/x', name: 'x.sh' }))
  await ing.close()
  return { dir, store }
}

test('logs: JSON lines with filters, limit, since; the table escapes control characters', async (t) => {
  const { store } = await seeded(t)
  let out = ''
  await runLogs({ json: true }, (s) => (out += s), undefined, store)
  const rows = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
  assert.equal(rows.length, 5)
  assert.deepEqual(Object.keys(rows[0]!).sort(), ['decky', 'fields', 'id', 'service', 'severity', 'src_ip', 'src_port', 'time', 'type'])
  assert.deepEqual([rows[0]!.decky, rows[0]!.service, rows[0]!.src_ip, rows[0]!.src_port], ['web-01', 'http', '198.51.100.20', 51000])

  out = ''
  await runLogs({ json: true, decky: 'web-01', limit: '1' }, (s) => (out += s), undefined, store)
  assert.deepEqual(out.trim().split('\n').map((l) => (JSON.parse(l) as { time: string }).time), ['2026-11-28T03:00:02.000000+00:00'])
  out = ''
  await runLogs({ json: true, service: 'ssh', type: 'connect', since: '2026-11-28T03:00:04Z' }, (s) => (out += s), undefined, store)
  assert.equal(out.trim().split('\n').length, 1)

  out = ''
  await runLogs({}, (s) => (out += s), undefined, store)
  assert.match(out, /Time \(UTC\)\s+Decky\s+Service\s+Type\s+Source\s+Summary/)
  assert.match(out, /2026-11-28 03:00:01\s+web-01\s+http\s+request\s+198\.51\.100\.20:51000\s+principal=admin secret=S3cret! method=POST path=\/wp-login\.php/)
  assert.doesNotMatch(out, /\u001b/)
  assert.match(out, /path=\/\\x1b\[2J/)
  assert.doesNotMatch(out, /secret_b64/)
})

test('logs -f: prints rows that arrive later, stops on abort', async (t) => {
  const { store } = await seeded(t)
  let out = ''
  const ac = new AbortController()
  const done = runLogs({ json: true, follow: true, limit: '1' }, (s) => (out += s), ac.signal, store)
  await new Promise((r) => setTimeout(r, 100))
  const ing = new Ingester(store)
  ing.write(ev(9, 'web-03', 'http', 'request', { src_ip: '192.0.2.99', src_port: '1' }))
  await ing.close()
  const deadline = Date.now() + 3000
  while (!out.includes('web-03') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  ac.abort()
  await done
  const decks = out.trim().split('\n').map((l) => (JSON.parse(l) as { decky: string }).decky)
  assert.deepEqual(decks, ['ssh-01', 'web-03'])
})

test('bounty: credential records carry decky, service, src_ip, principal, secret and attempt_count', async (t) => {
  const { store } = await seeded(t)
  const creds = await bountyRecords(store, { kind: 'credential' })
  assert.equal(creds.length, 2)
  const admin = creds.find((c) => c.bounty_type === 'credential' && c.principal === 'admin')
  assert.ok(admin && admin.bounty_type === 'credential')
  assert.deepEqual(
    [admin.decky, admin.service, admin.src_ip, admin.principal, admin.secret_printable, admin.secret_kind, admin.attempt_count],
    ['web-01', 'http', '198.51.100.20', 'admin', 'S3cret!', 'plaintext', 2],
  )
  const all = await bountyRecords(store)
  assert.deepEqual([...new Set(all.map((r) => r.bounty_type))], ['credential', 'artifact', 'fingerprint'])
  const fp = all.find((r) => r.bounty_type === 'fingerprint')
  assert.ok(fp && fp.bounty_type === 'fingerprint')
  assert.deepEqual([fp.fingerprint_type, fp.value, fp.src_ip], ['http_useragent', 'curl/8.5.0', '198.51.100.20'])
  assert.equal((await bountyRecords(store, { decky: 'web-02' })).length, 1)
  const text = renderBounty(all, ['credential', 'artifact', 'fingerprint'])
  assert.match(text, /Credentials \(2\)[\s\S]*web-01\s+http\s+198\.51\.100\.20\s+plaintext\s+2\s+admin\s+S3cret!/)
  assert.match(text, /Artifacts \(1\)[\s\S]*aaaaaaaaaaaaaaaa\s+10\s+x\.sh/)
  await assert.rejects(bountyRecords(store, { kind: 'passwords' }), /--kind: "passwords" is not one of credential, artifact, fingerprint/)
})

test('attackers: per source aggregates', async (t) => {
  const { store } = await seeded(t)
  const rows = await attackerRecords(store)
  const b = rows.find((r) => r.src_ip === '198.51.100.21')
  assert.deepEqual(
    [b?.event_count, b?.credential_count, b?.deckies, b?.services, b?.first_seen],
    [3, 1, ['web-02', 'ssh-01'], ['http', 'ssh'], '2026-11-28T03:00:03.000000+00:00'],
  )
  assert.deepEqual(rows.find((r) => r.src_ip === '198.51.100.20')?.tools, ['curl'])
  assert.match(renderAttackers(rows), /198\.51\.100\.21\s+2026-11-28 03:00:03\s+2026-11-28 03:00:05\s+3\s+1\s+web-02,ssh-01\s+http,ssh/)
})

test('collect: startCollect receives over TCP into the store; bad flags are one-line user errors', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-collectcmd-'))
  const store = openStore(dir)
  t.after(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const run = await startCollect({ listen: 'tcp://127.0.0.1:0' }, store)
  const port = run.collector.addresses()[0]!.port
  const s = connect({ host: '127.0.0.1', port })
  await new Promise<void>((r) => s.once('connect', () => r()))
  s.end(formatEvent(ev(1, 'd1', 'redis', 'auth', { src_ip: '192.0.2.5', src_port: '7', ...encodeSecret('foobared') })) + '\n')
  await new Promise<void>((r) => s.once('close', () => r()))
  await new Promise((r) => setTimeout(r, 50))
  await run.stop()
  const [c] = await bountyRecords(store, { kind: 'credential' })
  assert.ok(c && c.bounty_type === 'credential')
  assert.deepEqual([c.decky, c.service, c.src_ip, c.secret_printable], ['d1', 'redis', '192.0.2.5', 'foobared'])
  await assert.rejects(startCollect({ listen: 'tls://127.0.0.1:0' }, store), /needs --tls-cert FILE and --tls-key FILE/)
  await assert.rejects(startCollect({ listen: '127.0.0.1:514' }, store), /needs a scheme/)
})

test('parseSince and safeText', () => {
  const now = new Date('2026-11-28T03:00:00Z')
  assert.equal(parseSince('10m', now), '2026-11-28T02:50:00.000000+00:00')
  assert.equal(parseSince('1d', now), '2026-11-27T03:00:00.000000+00:00')
  assert.equal(parseSince('2026-11-28'), '2026-11-28T00:00:00.000000+00:00')
  assert.throws(() => parseSince('soon'), /--since: not a duration/)
  assert.equal(safeText('a\u202eb\nc'), 'a\\u{202e}b\\x0ac')
})

test('decnet bounty --json / attackers --json / logs --json through main()', async (t) => {
  const { dir } = await seeded(t)
  const run = async (args: string[]) => {
    const script = `const m = await import(${JSON.stringify(MAIN)}); process.exitCode = await m.main(${JSON.stringify(['node', 'decnet', ...args])})`
    const { stdout } = await execFileP(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, env: { ...process.env, DECNET_HOME: dir } })
    return stdout
  }
  const [bounty, attackers, logs] = await Promise.all([run(['bounty', '--kind', 'credential', '--json']), run(['attackers', '--json']), run(['logs', '--json', '--decky', 'ssh-01'])])
  const creds = JSON.parse(bounty) as { decky: string; service: string; src_ip: string; principal: string; attempt_count: number }[]
  assert.deepEqual(creds.map((c) => [c.decky, c.service, c.src_ip, c.principal, c.attempt_count]).sort(), [
    ['web-01', 'http', '198.51.100.20', 'admin', 2],
    ['web-02', 'http', '198.51.100.21', 'bob', 1],
  ])
  assert.equal((JSON.parse(attackers) as unknown[]).length, 2)
  assert.deepEqual(logs.trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type), ['connect', 'artifact'])
})
