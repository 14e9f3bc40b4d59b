// decnet deploy / status / teardown through main(), in process: dry runs of
// both engines, the flag errors, and the no-deployment answers.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { cli } from '../../../test/helpers/cli.js'
import { engineOf } from './deploy.js'
import { tempHome } from '../../../test/helpers/temp-home.js'

test('engine: local by default, docker by default for --dry-run', () => {
  assert.equal(engineOf({}), 'local')
  assert.equal(engineOf({ dryRun: true }), 'docker')
  assert.equal(engineOf({ dryRun: true, engine: 'local' }), 'local')
})

test('deploy --dry-run (docker): writes the compose file and secret env files, prints the fleet', async (t) => {
  const home = tempHome(t)
  const output = join(home, 'out.yml')
  const r = await cli(['deploy', '--dry-run', '--deckies', '2', '--services', 'http,ssh', '--subnet', '192.168.77.0/24', '--interface', 'eth9', '--output', output])
  assert.equal(r.code, 0, r.err)
  const doc = parse(readFileSync(output, 'utf8')) as { services: Record<string, unknown> }
  assert.deepEqual(Object.keys(doc.services).sort(), ['decky-01', 'decky-01-http', 'decky-01-ssh', 'decky-02', 'decky-02-http', 'decky-02-ssh'])
  assert.match(r.out, /^Decky +IP +OS +Hostname +Services +Ports$/m)
  assert.match(r.out, /^decky-01 {2}192\.168\.77\.\d+ +linux +\S+ +http, ssh +80,443,22$/m)
  // every service has one: ssh for its bait passwords, both for the decky key (DECNET_DECKY_KEY)
  assert.match(r.out, new RegExp(`wrote ${output} and 4 secret env file\\(s\\)`))
  assert.equal(existsSync(join(home, 'state.json')), false)
})

test('deploy --engine local --dry-run: the plan with offset ports, nothing bound, no state', async (t) => {
  const home = tempHome(t)
  const r = await cli(['deploy', '--engine', 'local', '--dry-run', '--deckies', '2', '--services', 'http', '--port-offset', '20000'])
  assert.equal(r.code, 0, r.err)
  assert.match(r.out, /^decky-01 {2}127\.42\.0\.1 {2}linux +\S+ +http +20080,20443$/m)
  assert.match(r.out, /^decky-02 {2}127\.42\.0\.2 /m)
  assert.match(r.out, /dry run: nothing bound\. 2 services would listen on 2 deckies\.$/m)
  assert.equal(existsSync(join(home, 'state.json')), false)
})

test('deploy: flag errors are one line and exit 2', async (t) => {
  tempHome(t)
  const cases: [string[], string][] = [
    [['deploy', '--engine', 'docker', '--port-offset', '5', '--deckies', '1', '--services', 'http'], 'decnet: --port-offset is for the local engine; containers own their addresses\n'],
    [['deploy', '--deckies', '0', '--services', 'http'], 'decnet: --deckies: expected a count of at least 1, got "0"\n'],
    [['deploy', '--deckies', '1', '--services', 'http', '--port-offset', '70000'], 'decnet: --port-offset: 70000 is larger than 65535\n'],
    [['deploy', '--deckies', '1', '--services', 'http', '--port-offset', '65500'], 'decnet: --port-offset 65500: port 80 would become 65580, outside 1-65535\n'],
    [['deploy', '--deckies', '1', '--services', 'http', '--output', 'x.yml'], 'decnet: --output and --inline-secrets are for --engine docker (the local engine writes no compose file)\n'],
  ]
  for (const [args, err] of cases) {
    const r = await cli(args)
    assert.deepEqual([r.code, r.err], [2, err], args.join(' '))
  }
})

test('logs -n 5 is --limit 5 (issue 11, item 9)', async (t) => {
  tempHome(t)
  assert.deepEqual(await cli(['logs', '-n', '5']), { code: 0, out: 'no events\n', err: '' })
})

test('teardown and status without a deployment', async (t) => {
  tempHome(t)
  assert.deepEqual(await cli(['teardown']), { code: 2, out: '', err: 'decnet: Specify --all or --id <name>.\n' })
  assert.deepEqual(await cli(['teardown', '--all']), { code: 2, out: '', err: 'decnet: No active deployment found.\n' })
  assert.deepEqual(await cli(['status']), { code: 0, out: 'No active deployment.\n', err: '' })
  assert.deepEqual(JSON.parse((await cli(['status', '--json'])).out), { active: false, deckies: [] })
})

test('deploy --randomize-services (local): only services the local engine runs (issue 11, item 4)', async (t) => {
  tempHome(t)
  const r = await cli(['deploy', '--engine', 'local', '--dry-run', '--deckies', '20', '--randomize-services', '--ip-start', '127.42.70.1', '--port-offset', '24000'])
  assert.equal(r.code, 0, r.err)
  assert.doesNotMatch(r.out, /no emulator yet|not started/)
})

test('deploy: one decky, one service in the singular; --address refuses non-unicast; a missing INI says so (issue 11, item 9)', async (t) => {
  const home = tempHome(t)
  const one = await cli(['deploy', '--engine', 'local', '--dry-run', '--deckies', '1', '--services', 'ssh', '--ip-start', '127.42.70.1', '--port-offset', '24000'])
  assert.match(one.out, /dry run: nothing bound\. 1 service would listen on 1 decky\.$/m)
  for (const ip of ['0.0.0.0', '224.0.0.1', '255.255.255.255']) {
    const r = await cli(['deploy', '--deckies', '1', '--services', 'http', '--address', ip, '--port-offset', '24000'])
    assert.equal(r.code, 2, ip)
    assert.match(r.err, new RegExp(`^decnet: --address: ${ip.replace(/\./g, '\\.')} is (the wildcard|a multicast|the broadcast) address`), ip)
    assert.doesNotMatch(r.err, /ip addr add|--addresses/)
  }
  const missing = join(home, 'nope.ini')
  assert.deepEqual(await cli(['deploy', '--config', missing]), { code: 2, out: '', err: `decnet: ${missing}: no such file\n` })
})
