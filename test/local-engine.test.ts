// The README's first command, in process (npm test lane): the CLI's deploy
// runs the local engine in this process, a real HTTP client (fetch) posts
// Basic auth to decky 1 and a WordPress login form to decky 2, the store then
// holds both credentials, and teardown --all stops the fleet through its
// control channel. test/e2e/readme-main-job.test.ts does the same as an
// unprivileged user with the built CLI.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../src/cli/main.js'
import { teardownCommand } from '../src/cli/commands/teardown.js'
import { bountyRecords } from '../src/cli/commands/bounty.js'
import { readState } from '../src/engines/state.js'
import { openStore } from '../src/store/index.js'
import { attackLikeTheReadme, flagValue, readmeMainCommand } from './helpers/readme-command.js'

async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await f()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

test('README first command, in process: deploy, two credentials on two deckies, bounty, teardown', async (t) => {
  const { deployArgs } = readmeMainCommand()
  const offset = Number(flagValue(deployArgs, '--port-offset') ?? 0)
  const port = 80 + offset
  const home = await mkdtemp(join(tmpdir(), 'decnet-readme-'))
  process.env.DECNET_HOME = home
  const run = main(['node', 'decnet', ...deployArgs])
  t.after(async () => {
    // one hook, in this order: stop the fleet, let the CLI return, remove the data
    if (readState(home)) await teardownCommand({ all: true }, home).catch(() => undefined)
    await run.catch(() => undefined)
    await rm(home, { recursive: true, force: true })
  })
  let exited: number | undefined
  void run.then((code) => (exited = code), () => (exited = -1))
  const state = await until('the fleet to be running', () => {
    if (exited !== undefined) throw new Error(`decnet deploy exited early with code ${exited} (see its output above)`)
    const s = readState(home)
    return s?.phase === 'running' && s.pid === process.pid ? s : undefined
  })
  const n = Number(flagValue(deployArgs, '--deckies'))
  assert.equal(state.deckies.length, n)
  assert.deepEqual(state.deckies.slice(0, 2).map((d) => [d.name, d.ip, d.services[0]?.name, d.services[0]?.state, d.services[0]?.ports[0]?.bound]), [
    ['decky-01', '127.42.0.1', 'http', 'running', port],
    ['decky-02', '127.42.0.2', 'http', 'running', port],
  ])

  await attackLikeTheReadme(port)

  const store = openStore(home)
  t.after(() => store.close())
  const creds = await until('both credentials in the store', async () => {
    const rows = await bountyRecords(store, { kind: 'credential' })
    return rows.length >= 2 ? rows : undefined
  })
  const seen = creds.map((c) => {
    const r = c as { decky: string; service: string; src_ip: string; principal: string; secret_printable: string }
    return [r.decky, r.service, r.src_ip, r.principal, r.secret_printable]
  }).sort()
  assert.deepEqual(seen, [
    ['decky-01', 'http', '127.0.0.1', 'admin', 'Winter2026'],
    ['decky-02', 'http', '127.0.0.1', 'editor', 'S3cret'],
  ])

  assert.equal(await teardownCommand({ all: true }, home), `Stopped ${n} deckies.`)
  assert.equal(await run, 0)
  assert.equal(readState(home), undefined)
  await assert.rejects(fetch(`http://127.42.0.1:${port}/`), /fetch failed/)
})
