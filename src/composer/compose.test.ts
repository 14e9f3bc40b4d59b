// Generated compose files: parsed back, validated against the Compose
// Specification JSON schema, and checked against docs/compose.md.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { composeValidator } from '../../test/helpers/compose-schema.js'
import type { DeckyConfig, FleetConfig } from '../config/model.js'
import { BaseService, type ComposeService } from '../services/base.js'
import { getService, loadServices, registerCustomService, UnknownServiceError } from '../services/registry.js'
import { configFromEnv } from '../services/_env.js'
import { ConfigError } from '../errors.js'
import { EMULATOR_TEMPLATE, generateCompose, writeSecretFiles } from './index.js'

const DEBIAN = 'debian:bookworm-slim@sha256:f9c6a2fd2ddbc23e336b6257a5245e31f996953ef06cd13a59fa0a1df2d5c252'
const UBUNTU = 'ubuntu:22.04@sha256:962f6cadeae0ea6284001009daa4cc9a8c37e75d1f5191cf0eb83fe565b63dd7'
const SECRETS = '/var/lib/decnet-test/secrets'

type Json = Record<string, unknown>

const validate = composeValidator()

test('compose schema: the validator rejects what compose rejects', () => {
  assert.equal(validate({ version: '3.8', services: { a: { image: 'x', cap_add: 'NET_ADMIN' } } }), false)
  assert.equal(validate({ services: { a: { image: 'x', bogus_key: 1 } } }), false)
  assert.equal(validate({ services: { a: { image: 'x', init: 'yes' } } }), false)
  assert.equal(validate({ services: { a: { image: 'x' } }, extra_top_level: 1 }), false)
  assert.equal(validate({ services: { a: { image: 'x', ports: ['80:80/tcp'] } }, 'x-ok': { any: 1 } }), true)
})

function assertValidCompose(yaml: string): Json {
  const doc = parse(yaml) as Json
  if (!validate(doc)) assert.fail(JSON.stringify(validate.errors, null, 2))
  return doc
}

function decky(over: Partial<DeckyConfig> & Pick<DeckyConfig, 'name' | 'ip' | 'services'>): DeckyConfig {
  return {
    distro: 'debian',
    baseImage: DEBIAN,
    buildBase: DEBIAN,
    hostname: `SRV-${over.name.toUpperCase()}`,
    serviceConfig: {},
    nmapOs: 'linux',
    ...over,
  }
}

function fleet(deckies: DeckyConfig[], over: Partial<FleetConfig> = {}): FleetConfig {
  return { mode: 'unihost', interface: 'eth0', subnet: '192.168.1.0/24', gateway: '192.168.1.1', ipvlan: false, deckies, customServices: [], source: 'fleet.ini', ...over }
}

function services(doc: Json): Record<string, ComposeService> {
  return doc.services as Record<string, ComposeService>
}

const mixed = (): FleetConfig =>
  fleet(
    [
      decky({ name: 'decky-01', ip: '192.168.1.10', services: ['ssh', 'http'], serviceConfig: { ssh: { password: 'Tr0ub4dor&3', user_password: 'pa$word' } } }),
      decky({ name: 'decky-02', ip: '192.168.1.11', services: ['smb', 'rdp', 'sniffer'], distro: 'ubuntu22', baseImage: UBUNTU, buildBase: UBUNTU, nmapOs: 'windows', serviceConfig: { rdp: { nla: 'false' } } }),
      decky({ name: 'plc-1', ip: '192.168.1.12', services: ['conpot', 'snmp', 'wiki_app'], nmapOs: 'embedded' }),
    ],
    { logTarget: '192.168.1.5:5514', customServices: [{ name: 'wiki_app', image: 'example/wiki:1.4', execCmd: 'wiki --listen "0.0.0.0:8080"', ports: [8080] }] },
  )

test('compose: a mixed fleet validates against the compose specification and parses back to the document', async () => {
  await loadServices()
  const { doc, yaml } = generateCompose(mixed(), { secretsDir: SECRETS })
  const parsed = assertValidCompose(yaml)
  assert.deepEqual(parsed, doc)
  assert.deepEqual(Object.keys(parsed), ['version', 'services', 'networks', 'x-decnet'])
  assert.equal(parsed.version, '3.8')
  assert.deepEqual(parsed.networks, { decnet_lan: { external: true } })
  assert.deepEqual(parsed['x-decnet'], { network: { name: 'decnet_lan', driver: 'macvlan', parent: 'eth0', subnet: '192.168.1.0/24', gateway: '192.168.1.1' } })
  // per decky in config order: base first, then services in decky.services order; sniffer skipped
  assert.deepEqual(Object.keys(services(parsed)), [
    'decky-01', 'decky-01-ssh', 'decky-01-http',
    'decky-02', 'decky-02-smb', 'decky-02-rdp',
    'plc-1', 'plc-1-conpot', 'plc-1-snmp', 'plc-1-wiki_app',
  ])
  assert.equal(yaml.includes('sniffer'), false)
})

test('compose: base container keys, order and values', async () => {
  await loadServices()
  const base = services(generateCompose(mixed(), { secretsDir: SECRETS }).doc)['decky-02']
  assert.deepEqual(Object.keys(base ?? {}), ['image', 'container_name', 'hostname', 'command', 'init', 'restart', 'networks', 'sysctls', 'cap_add'])
  assert.equal(base?.image, UBUNTU)
  assert.equal(base?.container_name, 'decky-02')
  assert.equal(base?.hostname, 'SRV-DECKY-02')
  assert.deepEqual(base?.command, ['sleep', 'infinity'])
  assert.equal(base?.init, true)
  assert.equal(base?.restart, 'unless-stopped')
  assert.deepEqual(base?.networks, { decnet_lan: { ipv4_address: '192.168.1.11' } })
  assert.deepEqual(base?.cap_add, ['NET_ADMIN'])
  assert.equal('labels' in (base ?? {}) || 'logging' in (base ?? {}), false)
})

test('compose: sysctls follow the OS family, unknown families get linux', async () => {
  await loadServices()
  const f = fleet(
    ['linux', 'windows', 'windows_server', 'bsd', 'embedded', 'cisco', 'plan9'].map((os, i) => decky({ name: `d${i}`, ip: `10.0.0.${i + 2}`, services: [], nmapOs: os })),
  )
  const { doc, yaml } = generateCompose(f, { secretsDir: SECRETS })
  assertValidCompose(yaml)
  const ttl = Object.values(services(doc)).map((s) => (s.sysctls as Record<string, string>)['net.ipv4.ip_default_ttl'])
  assert.deepEqual(ttl, ['64', '128', '128', '64', '255', '255', '64'])
  const win = services(doc).d2?.sysctls as Record<string, string>
  assert.deepEqual(win, {
    'net.ipv4.ip_default_ttl': '128',
    'net.ipv4.tcp_syn_retries': '2',
    'net.ipv4.tcp_timestamps': '1',
    'net.ipv4.tcp_window_scaling': '1',
    'net.ipv4.tcp_sack': '1',
    'net.ipv4.tcp_ecn': '1',
    'net.ipv4.ip_no_pmtu_disc': '0',
    'net.ipv4.tcp_fin_timeout': '30',
    'net.ipv4.icmp_ratelimit': '0',
    'net.ipv4.icmp_ratemask': '0',
  })
  assert.equal(services(doc).d6?.sysctls && (services(doc).d6?.sysctls as Record<string, string>)['net.ipv4.tcp_ecn'], '2')
})

test('compose: service containers get build args, netns, depends_on, logging, labels, HOSTNAME, OS persona and LOG_TARGET', async () => {
  await loadServices()
  const { doc } = generateCompose(mixed(), { secretsDir: SECRETS })
  const rdp = services(doc)['decky-02-rdp']
  assert.deepEqual(rdp, {
    build: { context: EMULATOR_TEMPLATE, args: { BASE_IMAGE: UBUNTU } },
    container_name: 'decky-02-rdp',
    restart: 'unless-stopped',
    environment: { NODE_NAME: 'decky-02', RDP_ENABLE_NLA: 'false', LOG_TARGET: '192.168.1.5:5514', HOSTNAME: 'SRV-DECKY-02', DECNET_OS: 'windows', DECNET_DISTRO: 'ubuntu22' },
    command: ['rdp'],
    network_mode: 'service:decky-02',
    depends_on: ['decky-02'],
    logging: { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '5' } },
    labels: { 'decnet.fleet.service': 'true', 'decnet.fleet.decky': 'decky-02', 'decnet.fleet.service_name': 'rdp' },
  })
  for (const [key, svc] of Object.entries(services(doc))) {
    if (!svc.network_mode) continue
    assert.equal('hostname' in svc || 'networks' in svc, false, key)
  }
})

test('compose: secrets go to 0600 env files, never into the YAML', async (t) => {
  await loadServices()
  const dir = await mkdtemp(join(tmpdir(), 'decnet-compose-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const secretsDir = join(dir, 'secrets')
  const { doc, yaml, secretFiles } = generateCompose(mixed(), { secretsDir })
  assertValidCompose(yaml)
  assert.equal(yaml.includes('Tr0ub4dor'), false)
  assert.equal(yaml.includes('pa$word') || yaml.includes('pa$$word'), false)
  assert.equal(yaml.includes('SSH_ROOT_PASSWORD'), false)
  const ssh = services(doc)['decky-01-ssh']
  const envFile = join(secretsDir, 'decky-01-ssh.env')
  assert.deepEqual(ssh?.env_file, [envFile])
  assert.deepEqual(Object.keys(ssh ?? {}).slice(0, 6), ['build', 'container_name', 'restart', 'cap_add', 'environment', 'env_file'])
  assert.deepEqual(ssh?.environment, {
    NODE_NAME: 'decky-01', SSH_USER: 'ubuntu', DECNET_QUARANTINE_DIR: '/var/lib/systemd/coredump', LOG_TARGET: '192.168.1.5:5514', HOSTNAME: 'SRV-DECKY-01', DECNET_OS: 'linux', DECNET_DISTRO: 'debian',
  })
  assert.deepEqual([...secretFiles.keys()], [envFile])

  writeSecretFiles(secretFiles)
  assert.equal((await stat(envFile)).mode & 0o777, 0o600)
  assert.equal((await stat(secretsDir)).mode & 0o777, 0o700)
  const text = await readFile(envFile, 'utf8')
  // '&' is taken literally by every env-file reader; '$' is not, so that value is b64:-encoded
  assert.match(text, /^SSH_ROOT_PASSWORD=Tr0ub4dor&3$/m)
  assert.match(text, /^SSH_USER_PASSWORD=b64:cGEkd29yZA==$/m)
  const env = Object.fromEntries(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
  const back = getService('ssh').resolveConfig({ ...configFromEnv(getService('ssh').configSchema, { ...ssh?.environment, ...env }) })
  assert.equal(back.password, 'Tr0ub4dor&3')
  assert.equal(back.user_password, 'pa$word')
})

const INSTALL_SECRET = Buffer.from('5e'.repeat(32), 'hex')
/** The decky key, computed here independently of the code under test. */
const seedOf = (decky: string) => createHmac('sha256', INSTALL_SECRET).update(`decky:${decky}`).digest('hex')

function envFileValues(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
}

test('compose: emulated services get their decky key through the env file; custom services never', async () => {
  await loadServices()
  const { doc, yaml, secretFiles } = generateCompose(mixed(), { secretsDir: SECRETS, installSecret: INSTALL_SECRET })
  assertValidCompose(yaml)
  assert.equal(yaml.includes('DECNET_DECKY_KEY'), false)
  for (const d of ['decky-01', 'decky-02', 'plc-1']) assert.equal(yaml.includes(seedOf(d)), false, d)
  const seeds = new Map<string, string | undefined>()
  for (const [key, svc] of Object.entries(services(doc))) {
    if (!svc.network_mode) continue
    assert.equal(svc.environment && 'DECNET_DECKY_KEY' in svc.environment, false, key)
    const file = secretFiles.get(join(SECRETS, `${key}.env`))
    assert.deepEqual(svc.env_file, file === undefined ? undefined : [join(SECRETS, `${key}.env`)], key)
    seeds.set(key, file === undefined ? undefined : envFileValues(file).DECNET_DECKY_KEY)
  }
  // one seed per decky, shared by its services (ssh also keeps its passwords there)
  assert.deepEqual(Object.fromEntries(seeds), {
    'decky-01-ssh': seedOf('decky-01'),
    'decky-01-http': seedOf('decky-01'),
    'decky-02-smb': seedOf('decky-02'),
    'decky-02-rdp': seedOf('decky-02'),
    'plc-1-conpot': seedOf('plc-1'),
    'plc-1-snmp': seedOf('plc-1'),
    'plc-1-wiki_app': undefined,
  })
  assert.notEqual(seedOf('decky-01'), seedOf('decky-02'))
  assert.match(secretFiles.get(join(SECRETS, 'decky-01-ssh.env')) ?? '', /^SSH_ROOT_PASSWORD=Tr0ub4dor&3$/m)
  // the seed is not the install secret, and the install secret is nowhere
  for (const text of [yaml, ...secretFiles.values()]) assert.equal(text.includes(INSTALL_SECRET.toString('hex')), false)
  // a different install gives different seeds
  const other = generateCompose(mixed(), { secretsDir: SECRETS, installSecret: Buffer.alloc(32, 1) }).secretFiles.get(join(SECRETS, 'decky-01-http.env')) ?? ''
  assert.notEqual(envFileValues(other).DECNET_DECKY_KEY, seedOf('decky-01'))
})

test('compose: with inlineSecrets the seed sits in environment (a 0600 file); without an install secret there is none', async () => {
  await loadServices()
  const inline = generateCompose(mixed(), { secretsDir: SECRETS, inlineSecrets: true, installSecret: INSTALL_SECRET })
  assert.equal(services(inline.doc)['decky-02-rdp']?.environment?.DECNET_DECKY_KEY, seedOf('decky-02'))
  assert.equal(services(inline.doc)['plc-1-wiki_app']?.environment?.DECNET_DECKY_KEY, undefined)
  assert.equal(inline.secretFiles.size, 0)
  const none = generateCompose(mixed(), { secretsDir: SECRETS })
  assert.equal(none.yaml.includes('DECNET_DECKY_KEY') || [...none.secretFiles.values()].some((v) => v.includes('DECNET_DECKY_KEY')), false)
})

test('compose: a multi-line TLS key travels through its env file intact', async (t) => {
  await loadServices()
  const dir = await mkdtemp(join(tmpdir(), 'decnet-compose-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const key = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n'
  const f = fleet([decky({ name: 'web', ip: '10.1.0.5', services: ['https'], serviceConfig: { https: { tls_key: key, tls_cn: 'www.corp.example' } } })])
  const { yaml, secretFiles } = generateCompose(f, { secretsDir: dir })
  assertValidCompose(yaml)
  assert.equal(yaml.includes('PRIVATE KEY'), false)
  const text = secretFiles.get(join(dir, 'web-https.env')) ?? ''
  const line = text.split('\n').find((l) => l.startsWith('TLS_KEY=')) ?? ''
  assert.ok(line.startsWith('TLS_KEY=b64:'), text)
  const https = getService('https')
  assert.equal(https.resolveConfig(configFromEnv(https.configSchema, { TLS_KEY: line.slice('TLS_KEY='.length) })).tls_key, key)
})

test('compose: inlineSecrets keeps them in environment, with $ escaped for compose interpolation', async () => {
  await loadServices()
  const { doc, yaml, secretFiles } = generateCompose(mixed(), { secretsDir: SECRETS, inlineSecrets: true })
  assertValidCompose(yaml)
  assert.equal(secretFiles.size, 0)
  const ssh = services(parse(yaml) as Json)['decky-01-ssh']
  assert.equal('env_file' in (ssh ?? {}), false)
  assert.equal(ssh?.environment?.SSH_ROOT_PASSWORD, 'Tr0ub4dor&3')
  assert.equal(ssh?.environment?.SSH_USER_PASSWORD, 'pa$$word')
  assert.deepEqual(services(doc)['decky-01-ssh'], ssh)
})

test('compose: custom services run their image with their command and no build args', async () => {
  await loadServices()
  const { doc } = generateCompose(mixed(), { secretsDir: SECRETS })
  assert.deepEqual(services(doc)['plc-1-wiki_app'], {
    image: 'example/wiki:1.4',
    container_name: 'plc-1-wiki-app',
    restart: 'unless-stopped',
    environment: { NODE_NAME: 'plc-1', LOG_TARGET: '192.168.1.5:5514', HOSTNAME: 'SRV-PLC-1', DECNET_OS: 'embedded', DECNET_DISTRO: 'debian' },
    command: ['wiki', '--listen', '0.0.0.0:8080'],
    network_mode: 'service:plc-1',
    depends_on: ['plc-1'],
    logging: { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '5' } },
    labels: { 'decnet.fleet.service': 'true', 'decnet.fleet.decky': 'plc-1', 'decnet.fleet.service_name': 'wiki_app' },
  })
})

test('compose: a fragment that pins BASE_IMAGE or brings labels keeps them; networking keys are stripped', async () => {
  await loadServices()
  class Pinned extends BaseService {
    readonly name = 'pinned_probe'
    readonly ports = [9999]
    override composeFragment(deckyName: string): ComposeService {
      return {
        build: { context: '/opt/ctx', args: { BASE_IMAGE: 'vendor/ics:1', EXTRA: 'x' } },
        container_name: `${deckyName}-pinned`,
        hostname: 'nope',
        networks: { other: {} },
        labels: { 'vendor.tier': 'ics' },
        environment: { NODE_NAME: deckyName },
      }
    }
  }
  registerCustomService(new Pinned())
  const { doc, yaml, secretFiles } = generateCompose(fleet([decky({ name: 'x1', ip: '10.2.0.2', services: ['pinned_probe'] })]), { secretsDir: SECRETS, installSecret: INSTALL_SECRET })
  assertValidCompose(yaml)
  const s = services(doc)['x1-pinned_probe']
  assert.equal(secretFiles.size, 0) // its own image does not run decnet run-service: no seed
  assert.deepEqual(s?.build, { context: '/opt/ctx', args: { BASE_IMAGE: 'vendor/ics:1', EXTRA: 'x' } })
  assert.equal('command' in (s ?? {}), false) // not the generic emulator image
  assert.equal('hostname' in (s ?? {}) || 'networks' in (s ?? {}), false)
  assert.deepEqual(s?.labels, { 'vendor.tier': 'ics', 'decnet.fleet.service': 'true', 'decnet.fleet.decky': 'x1', 'decnet.fleet.service_name': 'pinned_probe' })
})

test('compose: ipvlan fleets record the driver for the engine', async () => {
  await loadServices()
  const { doc, yaml } = generateCompose(fleet([decky({ name: 'a', ip: '10.3.0.2', services: ['ssh'] })], { ipvlan: true, interface: 'wlan0', subnet: '10.3.0.0/24', gateway: '10.3.0.1' }), { secretsDir: SECRETS })
  assertValidCompose(yaml)
  assert.deepEqual(doc['x-decnet'], { network: { name: 'decnet_lan', driver: 'ipvlan', parent: 'wlan0', subnet: '10.3.0.0/24', gateway: '10.3.0.1', ipvlan_mode: 'l2' } })
})

test('compose: a bad persona value names file, decky.service and key; an unknown service names the slugs', async () => {
  await loadServices()
  const bad = fleet([decky({ name: 'decky-09', ip: '10.4.0.2', services: ['rdp'], serviceConfig: { rdp: { nla: 'sometimes' } } })])
  assert.throws(
    () => generateCompose(bad, { secretsDir: SECRETS }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError)
      assert.match(e.message, /^fleet\.ini: \[decky-09\.rdp\] nla: expected a boolean .*"sometimes"$/)
      return true
    },
  )
  const unknown = fleet([decky({ name: 'decky-09', ip: '10.4.0.2', services: ['gopher'] })])
  assert.throws(() => generateCompose(unknown, { secretsDir: SECRETS }), (e: unknown) => e instanceof UnknownServiceError && /Available: conpot, dns/.test(e.message))
  const clash = fleet([decky({ name: 'a', ip: '10.4.0.2', services: ['ssh'] }), decky({ name: 'a-ssh', ip: '10.4.0.3', services: [] })])
  assert.throws(() => generateCompose(clash, { secretsDir: SECRETS }), /two compose services would be named 'a-ssh'/)
})
