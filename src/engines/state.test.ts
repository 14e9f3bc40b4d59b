import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UserError } from '../errors.js'
import { pidAlive, readState, removeState, statePath, withoutDeckies, writeState, type DeploymentState } from './state.js'

const sample = (): DeploymentState => ({
  version: 1,
  engine: 'local',
  phase: 'running',
  pid: process.pid,
  started_at: '2026-11-28T01:00:00.000Z',
  updated_at: '2026-11-28T01:00:00.000Z',
  port_offset: 10_000,
  control_socket: '/tmp/x/control.sock',
  config: {
    mode: 'unihost',
    ipvlan: false,
    customServices: [],
    deckies: ['decky-01', 'decky-02'].map((name, i) => ({
      name, ip: `127.42.0.${i + 1}`, services: ['http'], distro: 'debian', baseImage: 'debian:bookworm-slim',
      buildBase: 'debian:bookworm-slim', hostname: `SRV-${i}`, serviceConfig: { http: { fake_app: 'wordpress' } }, nmapOs: 'linux',
    })),
  },
  deckies: ['decky-01', 'decky-02'].map((name, i) => ({
    name, ip: `127.42.0.${i + 1}`, hostname: `SRV-${i}`, os: 'linux',
    services: [{ name: 'http', state: 'running' as const, ports: [{ proto: 'tcp' as const, declared: 80, bound: 10_080 }], restarts: 0 }],
  })),
})

test('state file: round trip, mode 0600, atomic replace, remove', (t) => {
  const home = mkdtempSync(join(tmpdir(), 'decnet-state-'))
  t.after(() => rmSync(home, { recursive: true, force: true }))
  assert.equal(readState(home), undefined)
  const s = sample()
  writeState(s, home)
  const back = readState(home)
  assert.ok(back)
  assert.deepEqual({ ...back, updated_at: s.updated_at }, s)
  assert.notEqual(back.updated_at, s.updated_at)
  assert.equal(statSync(statePath(home)).mode & 0o777, 0o600)
  assert.equal(JSON.parse(readFileSync(statePath(home), 'utf8')).config.deckies[0].serviceConfig.http.fake_app, 'wordpress')
  removeState(home)
  assert.equal(existsSync(statePath(home)), false)
  assert.equal(readState(home), undefined)
})

test('state file: a corrupt or foreign file is one user error naming it', (t) => {
  const home = mkdtempSync(join(tmpdir(), 'decnet-state-'))
  t.after(() => rmSync(home, { recursive: true, force: true }))
  writeFileSync(statePath(home), '{"half": ')
  assert.throws(() => readState(home), (e: unknown) => e instanceof UserError && e.message === `${statePath(home)}: not valid JSON; remove it if no deployment is running`)
  writeFileSync(statePath(home), '{"config": {}, "compose_path": "decnet-compose.yml"}')
  assert.throws(() => readState(home), (e: unknown) => e instanceof UserError && /not a decnet state file/.test(e.message))
})

test('withoutDeckies drops a decky from config and status; pidAlive', () => {
  const s = withoutDeckies(sample(), ['decky-01'])
  assert.deepEqual(s.config.deckies.map((d) => d.name), ['decky-02'])
  assert.deepEqual(s.deckies.map((d) => d.name), ['decky-02'])
  assert.equal(pidAlive(process.pid), true)
  assert.equal(pidAlive(undefined), false)
  assert.equal(pidAlive(2 ** 22 + 12345), false)
})
