// The docker engine against a fake docker CLI (DECNET_DOCKER_CMD /
// DECNET_COMPOSE_CMD): the commands it runs, in order, and the state it keeps.
// A real docker daemon is not exercised here.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FleetConfig } from '../../config/model.js'
import { loadServices } from '../../services/registry.js'
import { readState } from '../state.js'
import { DockerEngine } from './index.js'

const fleet: FleetConfig = {
  mode: 'unihost', ipvlan: false, interface: 'eth9', subnet: '192.168.77.0/24', gateway: '192.168.77.1', customServices: [],
  deckies: ['decky-01', 'decky-02'].map((name, i) => ({
    name, ip: `192.168.77.${10 + i}`, services: ['http'], distro: 'debian', baseImage: 'debian:bookworm-slim',
    buildBase: 'debian:bookworm-slim', hostname: `SRV-${i}`, serviceConfig: {}, nmapOs: 'linux',
  })),
}

test('docker engine: network, compose up, state; teardown of one decky then all', async (t) => {
  await loadServices()
  const dir = mkdtempSync(join(tmpdir(), 'decnet-docker-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const log = join(dir, 'calls.log')
  const fake = join(dir, 'fake-docker')
  writeFileSync(fake, `#!/bin/sh\necho "$*" >> ${log}\ncase "$*" in "network inspect"*) exit 1;; esac\nexit 0\n`)
  chmodSync(fake, 0o755)
  const saved = { d: process.env.DECNET_DOCKER_CMD, c: process.env.DECNET_COMPOSE_CMD }
  process.env.DECNET_DOCKER_CMD = fake
  process.env.DECNET_COMPOSE_CMD = `${fake} compose`
  t.after(() => {
    process.env.DECNET_DOCKER_CMD = saved.d
    process.env.DECNET_COMPOSE_CMD = saved.c
    if (saved.d === undefined) delete process.env.DECNET_DOCKER_CMD
    if (saved.c === undefined) delete process.env.DECNET_COMPOSE_CMD
  })
  const home = join(dir, 'home')
  const engine = new DockerEngine({ home, output: join(dir, 'out', 'decnet-compose.yml'), secretsDir: join(dir, 'secrets') })
  const written = await engine.deploy(fleet)
  const file = join(dir, 'out', 'decnet-compose.yml')
  assert.equal(written.composePath, file)
  assert.ok(existsSync(file))
  const calls = () => readFileSync(log, 'utf8').trim().split('\n')
  assert.deepEqual(calls(), [
    'network inspect decnet_lan',
    'network create -d macvlan --subnet 192.168.77.0/24 -o parent=eth9 --gateway 192.168.77.1 decnet_lan',
    `compose -p decnet -f ${file} up -d --build`,
  ])
  const state = readState(home)
  assert.deepEqual([state?.engine, state?.compose_path, state?.deckies.map((d) => d.name)], ['docker', file, ['decky-01', 'decky-02']])
  // each http container gets its decky's seed from home's install secret, in its env file only
  const secret = Buffer.from(readFileSync(join(home, 'install-secret'), 'utf8').trim(), 'hex')
  assert.deepEqual(written.secretFiles, [join(dir, 'secrets', 'decky-01-http.env'), join(dir, 'secrets', 'decky-02-http.env')])
  for (const name of ['decky-01', 'decky-02']) {
    const seed = createHmac('sha256', secret).update(`decky:${name}`).digest('hex')
    assert.match(readFileSync(join(dir, 'secrets', `${name}-http.env`), 'utf8'), new RegExp(`^DECNET_DECKY_KEY=${seed}$`, 'm'))
    assert.equal(readFileSync(file, 'utf8').includes(seed), false)
  }

  await engine.teardown(['decky-01'])
  assert.deepEqual(calls().slice(3), [
    `compose -p decnet -f ${file} stop decky-01 decky-01-http`,
    `compose -p decnet -f ${file} rm -f decky-01 decky-01-http`,
  ])
  assert.deepEqual(readState(home)?.config.deckies.map((d) => d.name), ['decky-02'])
  await engine.teardown()
  assert.equal(calls().at(-1), `compose -p decnet -f ${file} down --remove-orphans`)
  assert.equal(readState(home), undefined)
})
