// Nothing an attacker sends reaches a terminal raw: ESC, BEL, C1 (0x9b = CSI),
// DEL and bidi overrides in service names, credential kinds, fingerprint types
// and user names come out of every view (tables, the live feed, --json) as
// visible escapes.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { encodeSecret, type DecnetEvent } from '../events/event.js'
import { Ingester, openStore, type Store } from '../store/index.js'
import { attackerRecords, renderAttackers } from './commands/attackers.js'
import { bountyRecords, renderBounty } from './commands/bounty.js'
import { runLogs } from './commands/logs.js'
import { formatFeedLine } from './feed.js'
import { jsonSafe, termSafe } from './sanitize.js'
import { formatTable } from './table.js'

const execFileP = promisify(execFile)
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

const SERVICE = 'ssh\u001b]0;pwned\u0007\u001b[2J'
const KIND = 'plain\u009b2J'
const USER = 'root\u202etxt.exe'
const DECKY = 'web\u2066-01'
/** Anything that must never reach a terminal or a JSON pipe raw (LF/space between JSON members excepted by callers). */
const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/
const RAW_WITH_TAB_LF = /[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/

function hostileEvents(): DecnetEvent[] {
  const t = (i: number) => `2026-11-28T04:00:0${i}.000000+00:00`
  const src = { src_ip: '203.0.113.9', src_port: '40000' }
  return [
    { time: t(1), decky: DECKY, service: SERVICE, type: 'auth', severity: 5, fields: { ...src, username: USER, secret_kind: KIND, client_version: 'SSH-2.0-x\u009b1m', ...encodeSecret('pw\u001b[31m') } },
    { time: t(2), decky: DECKY, service: SERVICE, type: 'request\u0007', severity: 6, fields: { ...src, user_agent: 'curl\u202e/8', tool: 'hydra\u001b]2;t\u0007', path: '/a\tb\nc' }, msg: 'm\u009b0m' },
    { time: t(3), decky: DECKY, service: SERVICE, type: 'artifact', severity: 4, fields: { ...src, sha256: 'b'.repeat(64), size: '3', stored_as: 'y', path: '/q/y', name: 'evil\u202egpj.sh' } },
  ]
}

async function hostileStore(t: TestContext): Promise<{ dir: string; store: Store }> {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-hostile-'))
  const store = openStore(dir)
  t.after(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const ing = new Ingester(store)
  for (const e of hostileEvents()) ing.write(e)
  await ing.close()
  return { dir, store }
}

test('termSafe / jsonSafe: C0 (TAB, LF too), DEL, C1, bidi and format characters become visible escapes', () => {
  assert.equal(termSafe('a\u001b[2J\u0007\t\n\u007f\u009b\u202e\u2066\u200f\u061c\ufeff\u00ad z'), 'a\\x1b[2J\\x07\\x09\\x0a\\x7f\\x9b\\u{202e}\\u{2066}\\u{200f}\\u{061c}\\u{feff}\\xad z')
  assert.equal(termSafe('\u{e0041}x\ud800'), '\\u{e0041}x\\u{d800}')
  assert.equal(termSafe('é ü 日本 ✓'), 'é ü 日本 ✓')
  assert.equal(termSafe('abc\u001bdef', 6), 'abc…', 'never cut inside an escape')
  const j = jsonSafe({ s: 'x\u009b\u202e\u007f\u2028\u{e0041}\u001b' }, 2)
  assert.ok(!RAW.test(j), j)
  assert.match(j, /x\\u009b\\u202e\\u007f\\u2028\\udb40\\udc41\\u001b/)
  assert.deepEqual(JSON.parse(j), { s: 'x\u009b\u202e\u007f\u2028\u{e0041}\u001b' })
  const table = formatTable(['a\u001b'], [['x\ty\nz\u009b'], ['\u202e']]).split('\n')
  assert.equal(table.length, 5, 'header, rule, two rows and the final newline: a cell cannot add a line')
  for (const l of table) assert.ok(!RAW_WITH_TAB_LF.test(l), l)
  assert.equal(table[2], 'x\\x09y\\x0az\\x9b')
})

test('live feed: C1 and bidi overrides are escaped, not passed through', () => {
  for (const e of hostileEvents()) {
    const line = formatFeedLine(e)
    assert.ok(!RAW_WITH_TAB_LF.test(line), JSON.stringify(line))
  }
  const line = formatFeedLine(hostileEvents()[0]!)
  assert.ok(line.includes('\\x1b]0;pwned\\x07'), line)
  assert.ok(line.includes('\\u{202e}'), line)
  assert.ok(line.includes('\\x9b'), line)
})

test('bounty, attackers and logs tables: service, kind, fingerprint type and user name are escaped', async (t) => {
  const { store } = await hostileStore(t)
  const bounty = renderBounty(await bountyRecords(store), ['credential', 'artifact', 'fingerprint'])
  assert.ok(!RAW.test(bounty), JSON.stringify(bounty))
  assert.ok(bounty.includes('ssh\\x1b]0;pwned\\x07\\x1b[2J'), bounty)
  assert.ok(bounty.includes('plain\\x9b2J'), bounty)
  assert.ok(bounty.includes('root\\u{202e}txt.exe'), bounty)
  assert.ok(bounty.includes('ssh\\x1b]0;pwned\\x07\\x1b[2J_client_version'), bounty)
  const attackers = renderAttackers(await attackerRecords(store))
  assert.ok(!RAW.test(attackers), JSON.stringify(attackers))
  assert.ok(attackers.includes('web\\u{2066}-01'), attackers)
  let logs = ''
  await runLogs({}, (s) => (logs += s), undefined, store)
  assert.ok(!RAW.test(logs), JSON.stringify(logs))
  assert.ok(logs.includes('request\\x07'), logs)
  assert.ok(logs.includes('path=/a\\x09b\\x0ac'), logs)
  let json = ''
  await runLogs({ json: true }, (s) => (json += s), undefined, store)
  assert.ok(!RAW.test(json), JSON.stringify(json))
  const first = JSON.parse(json.split('\n')[0]!) as { service: string; fields: Record<string, string> }
  assert.equal(first.service, SERVICE)
  assert.equal(first.fields.username, USER)
})

test('decnet bounty / bounty --json / attackers --json / logs --json through main(): no raw control bytes', async (t) => {
  const { dir } = await hostileStore(t)
  const run = async (args: string[]) => {
    const script = `const m = await import(${JSON.stringify(MAIN)}); process.exitCode = await m.main(${JSON.stringify(['node', 'decnet', ...args])})`
    const { stdout } = await execFileP(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, env: { ...process.env, DECNET_HOME: dir } })
    return stdout
  }
  const [table, bounty, attackers, logs] = await Promise.all([
    run(['bounty']),
    run(['bounty', '--json']),
    run(['attackers', '--json']),
    run(['logs', '--json']),
  ])
  for (const out of [table, bounty, attackers, logs]) assert.ok(!RAW.test(out), JSON.stringify(out))
  assert.ok(table.includes('plain\\x9b2J') && table.includes('ssh\\x1b]0;pwned'), table)
  const creds = JSON.parse(bounty) as { bounty_type: string; service?: string; secret_kind?: string; principal?: string; fingerprint_type?: string }[]
  const c = creds.find((r) => r.bounty_type === 'credential')
  assert.deepEqual([c?.service, c?.secret_kind, c?.principal], [SERVICE, KIND, USER])
  assert.ok(creds.some((r) => r.fingerprint_type === `${SERVICE}_client_version`))
  assert.deepEqual((JSON.parse(attackers) as { deckies: string[] }[])[0]?.deckies, [DECKY])
  assert.equal(logs.trim().split('\n').length, 3)
})
