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

// The README's command with addresses and a port offset of this test's own:
// `npm test` never binds the README's 127.42.0.x or its offset 20000, which an
// operator following the README may be using at the same time.
const ADDRESSES = ['127.42.94.1', '127.42.94.2', '127.42.94.3']
const OFFSET = 23800

/** The README's deploy arguments, with --port-offset replaced and --address added. */
function ownArgs(args: string[]): string[] {
  const out = [...args]
  const i = out.indexOf('--port-offset')
  if (i >= 0) out.splice(i, 2)
  return [...out, '--port-offset', String(OFFSET), '--address', ADDRESSES.join(',')]
}

test('README first command, in process: deploy, two credentials on two deckies, bounty, teardown', async (t) => {
  const { deployArgs: readmeArgs } = readmeMainCommand()
  assert.ok(flagValue(readmeArgs, '--port-offset'), 'the README command sets --port-offset')
  const deployArgs = ownArgs(readmeArgs)
  const port = 80 + OFFSET
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
    ['decky-01', ADDRESSES[0], 'http', 'running', port],
    ['decky-02', ADDRESSES[1], 'http', 'running', port],
  ])

  await attackLikeTheReadme(port, [ADDRESSES[0] as string, ADDRESSES[1] as string])

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
  await assert.rejects(fetch(`http://${ADDRESSES[0]}:${port}/`), /fetch failed/)
})
