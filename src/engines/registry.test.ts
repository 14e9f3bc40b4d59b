// The engine registry: names, the flags each engine owns (and the exact line
// another engine refuses them with), the engine of a recorded deployment.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UserError } from '../errors.js'
import { checkEngineFlags, deployedEngine, engineDescriptor, engineNames, ENGINES } from './registry.js'
import { statePath, writeState } from './state.js'
import { recordFor } from '../../test/helpers/fake-runner.js'

const refused = (f: () => unknown, message: string) =>
  assert.throws(f, (e: unknown) => e instanceof UserError && e.code === 'FLAG_INVALID' && e.message === message)

test('registry: every engine name has an entry; an unknown one is a flag error', () => {
  assert.deepEqual(engineNames(), ['local', 'docker'])
  for (const n of engineNames()) assert.equal(ENGINES[n].name, n)
  assert.equal(engineDescriptor('docker').addressing, 'docker')
  refused(() => engineDescriptor('native'), '--engine: "native" is not one of local, docker')
  refused(() => engineDescriptor('toString'), '--engine: "toString" is not one of local, docker')
})

test('registry: flags of one engine are refused by the other, in declaration order, with their line', () => {
  checkEngineFlags('local', { address: '127.0.0.1', portOffset: 5, detach: true, sniff: 'lo' })
  checkEngineFlags('docker', { output: 'x.yml', inlineSecrets: true, portOffset: 0 })
  refused(() => checkEngineFlags('docker', { address: '1.2.3.4', portOffset: 5 }), '--address is for the local engine; the docker engine takes --subnet/--ip-start')
  refused(() => checkEngineFlags('docker', { portOffset: 5, detach: true }), '--port-offset is for the local engine; containers own their addresses')
  refused(() => checkEngineFlags('docker', { detach: true }), '--detach is for the local engine; docker compose already runs in the background')
  refused(() => checkEngineFlags('docker', { sniff: 'lo' }), '--sniff is for the local engine; run decnet sniff --interface on the docker host')
  refused(() => checkEngineFlags('local', { inlineSecrets: true }), '--output and --inline-secrets are for --engine docker (the local engine writes no compose file)')
})

test('registry: the engine of the recorded deployment', (t) => {
  const home = mkdtempSync(join(tmpdir(), 'decnet-reg-'))
  t.after(() => rmSync(home, { recursive: true, force: true }))
  assert.equal(deployedEngine(home), undefined)
  writeState({ ...recordFor(process.pid), engine: 'docker' }, home)
  assert.equal(deployedEngine(home)?.name, 'docker')
  writeState(recordFor(process.pid), home)
  assert.equal(deployedEngine(home)?.name, 'local')
  writeFileSync(statePath(home), JSON.stringify({ ...recordFor(process.pid), engine: 'native' }))
  assert.throws(() => deployedEngine(home), (e: unknown) => e instanceof UserError && e.message === `${statePath(home)}: unknown engine "native"; remove it if no deployment is running`)
})
