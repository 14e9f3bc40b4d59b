// The contract every service plugin keeps, run for each of the 29, plus the
// catalogue itself (upstream's services, with our fixes) as a fixture.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { BaseService, type ComposeService } from './base.js'
import { allServices, loadServices } from './registry.js'
import { configFromEnv } from './_env.js'
import type { ServiceConfig } from '../config/model.js'

const HERE = dirname(fileURLToPath(import.meta.url))
const DECKY = 'decky-07'
const LOG = '10.9.8.7:5514'

/** slug → [tcp ports, udp ports (schema defaults), container suffix, cap_add]. */
const CATALOGUE: Record<string, [number[], number[], string, string[]]> = {
  conpot: [[502, 80], [161], 'conpot', []],
  dns: [[53], [53], 'dns', []],
  docker_api: [[2375, 2376], [], 'docker-api', []],
  elasticsearch: [[9200], [], 'elasticsearch', []],
  ftp: [[21], [], 'ftp', []],
  http: [[80, 443], [], 'http', []],
  https: [[443], [], 'https', []],
  imap: [[143, 993], [], 'imap', []],
  k8s: [[6443, 8080], [], 'k8s', []],
  ldap: [[389, 636], [], 'ldap', ['NET_BIND_SERVICE']],
  llmnr: [[], [5355, 5353], 'llmnr', []],
  mongodb: [[27017], [], 'mongodb', []],
  mqtt: [[1883], [], 'mqtt', []],
  mssql: [[1433], [], 'mssql', []],
  mysql: [[3306], [], 'mysql', []],
  pop3: [[110, 995], [], 'pop3', []],
  postgres: [[5432], [], 'postgres', []],
  rdp: [[3389], [], 'rdp', []],
  redis: [[6379], [], 'redis', []],
  sip: [[5060], [5060], 'sip', []],
  smb: [[445, 139], [], 'smb', ['NET_BIND_SERVICE']],
  smtp: [[25, 587], [], 'smtp', ['NET_BIND_SERVICE']],
  smtp_relay: [[25, 587], [], 'smtp_relay', ['NET_BIND_SERVICE']],
  sniffer: [[], [], 'sniffer', ['NET_RAW', 'NET_ADMIN']],
  snmp: [[], [161], 'snmp', []],
  ssh: [[22], [], 'ssh', ['NET_BIND_SERVICE']],
  telnet: [[23], [], 'telnet', ['NET_BIND_SERVICE']],
  tftp: [[], [69], 'tftp', []],
  vnc: [[5900], [], 'vnc', []],
}

/**
 * slug → catalogue persona keys as `key:type`. Emulator engineers may add keys
 * of their own; these must stay, with these types.
 */
const PERSONA_KEYS: Record<string, string[]> = {
  ssh: ['password:password', 'user:string', 'user_password:password', 'hostname:string'],
  telnet: ['password:password', 'user:string', 'user_password:password', 'hostname:string'],
  http: ['server_header:string', 'response_code:int', 'fake_app:enum', 'extra_headers:textarea', 'custom_body:textarea', 'http_versions:multi_enum', 'files:string'],
  https: [
    'server_header:string', 'response_code:int', 'fake_app:enum', 'extra_headers:textarea', 'custom_body:textarea', 'http_versions:multi_enum', 'files:string',
    'tls_cn:string', 'tls_cert:textarea', 'tls_key:textarea',
  ],
  smtp: ['banner:string', 'mta:enum'],
  smtp_relay: ['banner:string', 'mta:enum', 'upstream_host:string', 'upstream_port:int', 'upstream_user:string', 'upstream_pass:password', 'upstream_sender:string', 'probe_limit:int'],
  dns: [
    'zone_mode:enum', 'domain:string', 'bind_version:string', 'nsid:string', 'extra_records:textarea', 'real_recursive:bool', 'upstream:string',
    'forward_budget:int', 'forward_window:string', 'state_path:string',
  ],
  rdp: ['nla:bool'],
  mysql: ['version:string'],
  redis: ['version:string', 'os_string:string'],
  imap: ['email_seed:string'],
  pop3: ['email_seed:string'],
}

const NETWORKING_KEYS = ['networks', 'ipv4_address', 'hostname', 'network_mode', 'depends_on', 'logging', 'ports', 'network']

const pluginFiles = readdirSync(HERE)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.startsWith('_') && !['base.ts', 'registry.ts'].includes(f))
  .sort()

/** A non-default value for every key, as an INI file would give it (strings). */
function sampleIni(svc: BaseService): Record<string, string> {
  const out: Record<string, string> = {}
  for (const f of svc.configSchema) {
    if (f.key === 'files' || f.key === 'email_seed') continue // host paths: own tests below
    if (f.type === 'int') out[f.key] = '7'
    else if (f.type === 'bool') out[f.key] = f.default === true ? 'no' : 'yes'
    else if (f.type === 'enum') out[f.key] = f.enum?.at(-1) ?? ''
    else if (f.type === 'multi_enum') out[f.key] = (f.enum ?? []).join(', ')
    else out[f.key] = `value of ${f.key} with $ and "quotes"`
  }
  return out
}

function assertNoNetworking(frag: ComposeService): void {
  for (const k of NETWORKING_KEYS) assert.equal(k in frag, false, `fragment has ${k}`)
}

test('catalogue: one plugin file per slug, 29 in all, default export named after its file', async () => {
  assert.equal(pluginFiles.length, 29)
  assert.deepEqual(pluginFiles.map((f) => f.replace(/\.ts$/, '')), Object.keys(CATALOGUE).sort())
  for (const file of pluginFiles) {
    const mod = (await import(pathToFileURL(join(HERE, file)).href)) as { default: unknown }
    assert.ok(mod.default instanceof BaseService, file)
    assert.equal(mod.default.name, file.replace(/\.ts$/, ''))
  }
})

test('catalogue: ports, UDP ports, container suffix and caps match the table', async () => {
  const services = await loadServices()
  const actual: typeof CATALOGUE = {}
  for (const [name, svc] of services) {
    const frag = svc.composeFragment(DECKY)
    actual[name] = [[...svc.ports], svc.udpPorts(svc.resolveConfig({})), frag.container_name?.slice(DECKY.length + 1) ?? '', frag.cap_add ?? []]
  }
  assert.deepEqual(actual, CATALOGUE)
})

test('catalogue: persona keys and their types', async () => {
  const services = await loadServices()
  for (const [name, svc] of services) {
    const have = svc.configSchema.map((f) => `${f.key}:${f.type}`)
    const want = PERSONA_KEYS[name] ?? []
    assert.deepEqual(have.filter((k) => want.includes(k)), want, name)
  }
})

test('catalogue: only sniffer is a fleet singleton', async () => {
  const singletons = [...allServices().values()].filter((s) => s.fleetSingleton).map((s) => s.name)
  assert.deepEqual(singletons, ['sniffer'])
})

for (const slug of Object.keys(CATALOGUE)) {
  test(`contract ${slug}: ports are valid and unique per transport`, async () => {
    await loadServices()
    const svc = allServices().get(slug)
    assert.ok(svc)
    const udp = svc.udpPorts(svc.resolveConfig({}))
    for (const list of [svc.ports, udp]) {
      assert.equal(new Set(list).size, list.length)
      for (const p of list) assert.ok(Number.isInteger(p) && p >= 1 && p <= 65535, `${slug}: bad port ${p}`)
    }
    if (!svc.fleetSingleton) assert.ok(svc.ports.length + udp.length > 0, `${slug} listens nowhere`)
  })

  test(`contract ${slug}: fragment has no networking keys, NODE_NAME always, LOG_TARGET only when given`, async () => {
    await loadServices()
    const svc = allServices().get(slug)
    assert.ok(svc)
    for (const cfg of [{}, sampleIni(svc)]) {
      const withLog = svc.composeFragment(DECKY, LOG, cfg)
      const without = svc.composeFragment(DECKY, undefined, cfg)
      for (const frag of [withLog, without]) {
        assertNoNetworking(frag)
        assert.equal(frag.restart, 'unless-stopped')
        assert.equal(frag.container_name, `${DECKY}-${CATALOGUE[slug]?.[2]}`)
        assert.ok(frag.build?.context, 'built from a template')
        assert.equal(frag.environment?.NODE_NAME, DECKY)
        for (const v of Object.values(frag.environment ?? {})) assert.equal(typeof v, 'string')
      }
      assert.equal(withLog.environment?.LOG_TARGET, LOG)
      assert.equal(without.environment && 'LOG_TARGET' in without.environment, false)
    }
  })

  test(`contract ${slug}: schema is well formed and its defaults pass its own validation`, async () => {
    await loadServices()
    const svc = allServices().get(slug)
    assert.ok(svc)
    const keys = svc.configSchema.map((f) => f.key)
    assert.equal(new Set(keys).size, keys.length, 'duplicate key')
    const envs = svc.configSchema.flatMap((f) => (f.env ? [f.env] : []))
    assert.equal(new Set(envs).size, envs.length, 'duplicate env name')
    for (const f of svc.configSchema) {
      assert.ok(f.label, `${f.key}: label`)
      if (f.type === 'enum' || f.type === 'multi_enum') assert.ok(f.enum && f.enum.length > 0, `${f.key}: enum values`)
      if (f.type === 'password') assert.equal(f.secret, true, `${f.key}: password fields are secret`)
      if (f.default === undefined) continue
      const validated = svc.validateCfg({ [f.key]: f.default })
      // "" is dropped by validation (rule 3) and restored by resolveConfig
      if (f.default === '') assert.deepEqual(validated, {})
      else assert.deepEqual(validated, { [f.key]: f.default }, f.key)
    }
    const resolved = svc.resolveConfig({})
    assert.deepEqual(svc.resolveConfig(resolved), resolved)
  })

  test(`contract ${slug}: the container environment round-trips to the same persona`, async () => {
    await loadServices()
    const svc = allServices().get(slug)
    assert.ok(svc)
    const cfg: ServiceConfig = sampleIni(svc)
    const env = svc.composeFragment(DECKY, undefined, cfg).environment ?? {}
    const expected = svc.resolveConfig(cfg)
    const back = svc.resolveConfig(configFromEnv(svc.configSchema, env))
    for (const f of svc.configSchema) {
      if (f.env) assert.deepEqual(back[f.key], expected[f.key], f.key)
    }
    for (const name of svc.secretEnvNames()) assert.ok(svc.configSchema.some((f) => f.env === name && f.secret))
  })
}

test('ssh and telnet: persona env, quarantine mount, LOG_TARGET like every service', async (t) => {
  await loadServices()
  const prev = process.env.DECNET_ARTIFACTS_ROOT
  process.env.DECNET_ARTIFACTS_ROOT = '/srv/quarantine'
  t.after(() => {
    if (prev === undefined) delete process.env.DECNET_ARTIFACTS_ROOT
    else process.env.DECNET_ARTIFACTS_ROOT = prev
  })
  const ssh = allServices().get('ssh')?.composeFragment(DECKY, LOG, { password: 'Winter2024!', hostname: 'web-01' })
  assert.deepEqual(ssh?.environment, {
    NODE_NAME: DECKY,
    SSH_ROOT_PASSWORD: 'Winter2024!',
    SSH_USER: 'ubuntu',
    SSH_USER_PASSWORD: 'admin',
    SSH_HOSTNAME: 'web-01',
    DECNET_QUARANTINE_DIR: '/var/lib/systemd/coredump',
    LOG_TARGET: LOG,
  })
  assert.deepEqual(ssh?.volumes, [`/srv/quarantine/${DECKY}/ssh:/var/lib/systemd/coredump:rw`])
  const telnet = allServices().get('telnet')
  assert.deepEqual(telnet?.composeFragment(DECKY, LOG, { user: 'pi' }).environment, {
    NODE_NAME: DECKY,
    TELNET_ROOT_PASSWORD: 'admin',
    TELNET_USER: 'pi',
    TELNET_USER_PASSWORD: 'admin',
    DECNET_QUARANTINE_DIR: '/var/lib/systemd/coredump',
    LOG_TARGET: LOG,
  })
  assert.deepEqual(telnet?.secretEnvNames(), ['TELNET_ROOT_PASSWORD', 'TELNET_USER_PASSWORD'])
})

test('INI booleans coerce through the schema: rdp nla and dns real_recursive', async () => {
  await loadServices()
  const rdp = allServices().get('rdp')
  assert.equal(rdp?.composeFragment(DECKY, undefined, { nla: 'false' }).environment?.RDP_ENABLE_NLA, 'false')
  assert.equal(rdp?.composeFragment(DECKY, undefined, { nla: 'Yes' }).environment?.RDP_ENABLE_NLA, 'true')
  assert.throws(() => rdp?.composeFragment(DECKY, undefined, { nla: 'maybe' }), /^ServiceConfigError: nla: expected a boolean/)
  const dns = allServices().get('dns')
  const env = dns?.composeFragment(DECKY, undefined, { real_recursive: 'false', forward_budget: ' 20 ' }).environment
  assert.equal(env?.DNS_REAL_RECURSIVE, 'false')
  assert.equal(env?.DNS_FORWARD_BUDGET, '20')
  assert.equal(env?.DNS_DOMAIN, '')
  assert.equal(Object.keys(env ?? {}).filter((k) => k.startsWith('DNS_')).length, 10)
})

test('https: UDP 443 only with http/3, from validated or raw INI values', async () => {
  await loadServices()
  const https = allServices().get('https')
  assert.ok(https)
  assert.deepEqual(https.udpPorts({}), [])
  assert.deepEqual(https.udpPorts({ http_versions: ['http/1.1', 'http/3'] }), [443])
  assert.deepEqual(https.udpPorts({ http_versions: 'http/2, http/3' }), [443])
  assert.deepEqual(https.secretEnvNames(), ['TLS_KEY'])
  assert.throws(() => allServices().get('http')?.validateCfg({ http_versions: 'http/3' }), /http_versions: "http\/3" is not one of/)
})

test('http files and imap/pop3 email_seed are declared and become read-only mounts', async () => {
  await loadServices()
  const http = allServices().get('http')?.composeFragment(DECKY, undefined, { files: '/srv/www' })
  assert.equal(http?.environment?.FILES_DIR, '/opt/html_files')
  assert.deepEqual(http?.volumes, ['/srv/www:/opt/html_files:ro'])
  const rel = allServices().get('https')?.composeFragment(DECKY, undefined, { files: 'site' })
  assert.deepEqual(rel?.volumes, [`${process.cwd()}/site:/opt/html_files:ro`])
  for (const [slug, name] of [['imap', 'IMAP_EMAIL_SEED'], ['pop3', 'POP3_EMAIL_SEED']] as const) {
    const frag = allServices().get(slug)?.composeFragment(DECKY, undefined, { email_seed: '/srv/bait' })
    assert.equal(frag?.environment?.[name], '/var/spool/decnet-emails/seed')
    assert.deepEqual(frag?.volumes, ['/srv/bait:/var/spool/decnet-emails/seed:ro'])
  }
})

test('smtp_relay: own container name, shared quarantine, relay env, upstream keys stay off the container', async () => {
  await loadServices()
  const relay = allServices().get('smtp_relay')
  assert.ok(relay)
  assert.equal(relay.configSchema.find((f) => f.key === 'upstream_pass')?.type, 'password')
  const frag = relay.composeFragment(DECKY, undefined, { upstream_host: 'mx.example.net', upstream_pass: 's3cret', banner: 'mx ESMTP' })
  assert.equal(frag.container_name, `${DECKY}-smtp_relay`)
  assert.deepEqual(frag.environment, {
    NODE_NAME: DECKY,
    SMTP_BANNER: 'mx ESMTP',
    SMTP_MTA: 'postfix',
    SMTP_QUARANTINE_DIR: '/var/spool/mqueue',
    DECNET_QUARANTINE_DIR: '/var/spool/mqueue',
    SMTP_SERVICE_NAME: 'smtp_relay',
    SMTP_OPEN_RELAY: '1',
  })
  assert.deepEqual(frag.volumes, allServices().get('smtp')?.composeFragment(DECKY).volumes)
  assert.equal(JSON.stringify(frag).includes('s3cret'), false)
})

test('conpot and sniffer: fixed environment and capabilities', async () => {
  await loadServices()
  assert.equal(allServices().get('conpot')?.composeFragment(DECKY).environment?.CONPOT_TEMPLATE, 'default')
  assert.deepEqual(allServices().get('sniffer')?.composeFragment(DECKY).cap_add, ['NET_RAW', 'NET_ADMIN'])
})
