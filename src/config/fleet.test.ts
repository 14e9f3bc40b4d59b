import { before, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { UserError } from '../errors.js'
import { SeededRng } from '../runtime/rng.js'
import { deckyServiceNames, loadServices } from '../services/registry.js'
import { effectivePorts, findPortClash, pickRandomServices, resolveFleet, type FleetOptions } from './fleet.js'
import type { HostNetwork } from './host-net.js'

const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'test', 'fixtures', 'ini')
const SEED = Buffer.alloc(32, 7)
const noProbe = (): HostNetwork => {
  throw new UserError('FLAG_INVALID', 'Could not auto-detect network interface. Use --interface.')
}
const quiet = { warn: () => {}, seed: SEED }

async function userError(opts: FleetOptions): Promise<string> {
  try {
    await resolveFleet({ ...quiet, ...opts })
  } catch (e) {
    assert.ok(e instanceof UserError, `expected UserError, got ${String(e)}`)
    assert.ok(!e.message.includes('\n'))
    return e.message
  }
  assert.fail('expected a UserError')
}

function iniFile(t: { after: (fn: () => void) => void }, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const p = join(dir, 'fleet.ini')
  writeFileSync(p, text)
  return p
}

before(async () => {
  await loadServices()
})

test('fleet: local engine defaults: 127.42.0.0/16 from 127.42.0.1, no gateway, no interface', async () => {
  const f = await resolveFleet({ ...quiet, deckies: 3, services: ['ssh'] })
  assert.deepEqual(f.deckies.map((d) => [d.name, d.ip, d.services]), [
    ['decky-01', '127.42.0.1', ['ssh']],
    ['decky-02', '127.42.0.2', ['ssh']],
    ['decky-03', '127.42.0.3', ['ssh']],
  ])
  assert.deepEqual([f.mode, f.subnet, f.gateway, f.interface, f.ipvlan, f.customServices], ['unihost', '127.42.0.0/16', undefined, undefined, false, []])
  assert.deepEqual(f.deckies.map((d) => d.distro), ['debian', 'ubuntu22', 'ubuntu20'])
  assert.deepEqual(f.deckies.map((d) => d.nmapOs), ['linux', 'linux', 'linux'])
  assert.deepEqual(f.deckies[0]?.serviceConfig, {})
})

test('fleet: local engine: --subnet / --ip-start inside 127/8, --address, errors outside', async () => {
  const f = await resolveFleet({ ...quiet, deckies: 2, services: ['http'], subnet: '127.9.0.0/30' })
  assert.deepEqual(f.deckies.map((d) => d.ip), ['127.9.0.1', '127.9.0.2'])
  const g = await resolveFleet({ ...quiet, deckies: 2, services: ['http'], ipStart: '127.42.3.254' })
  assert.deepEqual(g.deckies.map((d) => d.ip), ['127.42.3.254', '127.42.3.255'])
  const h = await resolveFleet({ ...quiet, deckies: 2, services: ['http'], addresses: ['192.168.7.20', '192.168.7.21', '192.168.7.22'] })
  assert.deepEqual([h.deckies.map((d) => d.ip), h.subnet], [['192.168.7.20', '192.168.7.21'], undefined])
  assert.equal(
    await userError({ deckies: 1, services: ['ssh'], subnet: '10.0.0.0/24' }),
    '--subnet: the local engine binds loopback addresses; 10.0.0.0/24 is outside 127.0.0.0/8 (use --address for host addresses, or --engine docker)',
  )
  assert.equal(await userError({ deckies: 1, services: ['ssh'], ipStart: '127.43.0.1' }), '--ip-start: 127.43.0.1 is outside 127.42.0.0/16')
  assert.equal(await userError({ deckies: 3, services: ['ssh'], addresses: ['10.1.1.1', '10.1.1.2'] }), 'Not enough free IPs in --address for 3 deckies (found 2).')
  assert.equal(await userError({ deckies: 1, services: ['ssh'], addresses: ['10.1.1.1', '10.1.1.01'] }), '--address: expected an IPv4 address, got "10.1.1.01"')
})

test('fleet: IP allocation skips network, gateway, host address and explicit ip=; pool exhaustion', async (t) => {
  const probe = (): HostNetwork => ({ interface: 'eth9', gateway: '10.5.0.1', hostIp: '10.5.0.2', subnet: '10.5.0.0/29' })
  const path = iniFile(t, '[a]\nservices = ssh\n[b]\nservices = ssh\nip = 10.5.0.4\n[c]\nservices = ssh\n[d]\nservices = ssh\n')
  const f = await resolveFleet({ ...quiet, config: path, engine: 'docker', probe })
  assert.deepEqual(f.deckies.map((d) => [d.name, d.ip]), [
    ['a', '10.5.0.3'],
    ['b', '10.5.0.4'],
    ['c', '10.5.0.5'],
    ['d', '10.5.0.6'],
  ])
  assert.deepEqual([f.subnet, f.gateway, f.interface], ['10.5.0.0/29', '10.5.0.1', 'eth9'])
  // .7 is the broadcast address: a fifth decky does not fit
  const five = iniFile(t, '[a]\nservices = ssh\n[b]\nservices = ssh\nip = 10.5.0.4\n[c]\nservices = ssh\n[d]\nservices = ssh\n[e]\nservices = ssh\namount = 2\n')
  assert.equal(await userError({ config: five, engine: 'docker', probe }), `${five}:10: [e] Not enough free IPs in 10.5.0.0/29 while assigning IP for 'e-01'.`)
  assert.equal(await userError({ deckies: 5, services: ['ssh'], engine: 'docker', probe }), 'Not enough free IPs in 10.5.0.0/29 for 5 deckies (found 4).')
  const flags = await resolveFleet({ ...quiet, deckies: 4, services: ['ssh'], engine: 'docker', probe })
  assert.deepEqual(flags.deckies.map((d) => d.ip), ['10.5.0.3', '10.5.0.4', '10.5.0.5', '10.5.0.6'])
  // explicit addresses are checked the same way
  const dup = iniFile(t, '[a]\nservices = ssh\nip = 10.5.0.5\n[b]\nservices = ssh\nip = 10.5.0.5\n')
  assert.equal(await userError({ config: dup, engine: 'docker', probe }), `${dup}:6: [b] ip: 10.5.0.5 is already used by decky 'a'`)
  const gw = iniFile(t, '[a]\nservices = ssh\nip = 10.5.0.1\n')
  assert.equal(await userError({ config: gw, engine: 'docker', probe }), `${gw}:3: [a] ip: 10.5.0.1 is the gateway`)
  const host = iniFile(t, '[a]\nservices = ssh\nip = 10.5.0.2\n')
  assert.equal(await userError({ config: host, engine: 'docker', probe }), `${host}:3: [a] ip: 10.5.0.2 is the host address of eth9`)
  const bc = iniFile(t, '[a]\nservices = ssh\nip = 10.5.0.7\n')
  assert.equal(await userError({ config: bc, engine: 'docker', probe }), `${bc}:3: [a] ip: 10.5.0.7 is the network or broadcast address of 10.5.0.0/29`)
  const out = iniFile(t, '[a]\nservices = ssh\nip = 10.6.0.9\n')
  assert.equal(await userError({ config: out, engine: 'docker', probe }), `${out}:3: [a] ip: 10.6.0.9 is outside the subnet 10.5.0.0/29`)
})

test('fleet: docker engine: detection failure is the upstream message', async () => {
  const probe = (): HostNetwork => {
    throw new UserError('FLAG_INVALID', 'Could not auto-detect network interface. Use --interface.')
  }
  assert.equal(await userError({ deckies: 1, services: ['ssh'], engine: 'docker', probe }), 'Could not auto-detect network interface. Use --interface.')
  // given subnet, gateway and interface: a failing probe is not fatal; --ip-start honoured
  const given = { deckies: 2, services: ['ssh'], engine: 'docker', subnet: '192.168.50.0/24', gateway: '192.168.50.254', interface: 'br0', ipStart: '192.168.50.100' } as const
  const f = await resolveFleet({ ...quiet, ...given, services: ['ssh'], probe, ipvlan: true })
  assert.deepEqual([f.deckies.map((d) => d.ip), f.gateway, f.interface, f.ipvlan], [['192.168.50.100', '192.168.50.101'], '192.168.50.254', 'br0', true])
  // ... but when it answers, the host's own address stays out of the pool
  const hostProbe = (iface?: string): HostNetwork => ({ interface: iface ?? 'x', hostIp: '192.168.50.100', subnet: '192.168.50.0/24' })
  const g = await resolveFleet({ ...quiet, ...given, services: ['ssh'], probe: hostProbe })
  assert.deepEqual(g.deckies.map((d) => d.ip), ['192.168.50.101', '192.168.50.102'])
  // an INI gw outside --subnet names the file and key
  const path = join(FIXTURES, 'spec-example.ini')
  assert.equal(await userError({ config: path, engine: 'docker', probe: noProbe, subnet: '10.9.0.0/16' }), `${path}:3: [general] gw: 192.168.1.1 is outside 10.9.0.0/16`)
})

test('fleet: the upstream example INI through resolveFleet (docker engine)', async () => {
  const warnings: string[] = []
  const f = await resolveFleet({ config: join(FIXTURES, 'spec-example.ini'), engine: 'docker', probe: noProbe, seed: SEED, warn: (m) => warnings.push(m) })
  assert.deepEqual(f.deckies.map((d) => [d.name, d.ip, d.services, d.archetype, d.distro]), [
    ['web-01', '192.168.1.2', ['http', 'ftp'], 'web-server', 'debian'],
    ['web-02', '192.168.1.3', ['http', 'ftp'], 'web-server', 'ubuntu22'],
    ['web-03', '192.168.1.4', ['http', 'ftp'], 'web-server', 'ubuntu20'],
    ['db-01', '192.168.1.50', ['mysql', 'redis'], undefined, 'rocky9'] // index 3 of all distros,
  ])
  assert.deepEqual(f.deckies[0]?.serviceConfig, { http: { server_header: 'nginx/1.18.0', fake_app: 'wordpress' } })
  assert.deepEqual(f.customServices.map((c) => c.name), ['myapp'])
  assert.equal(f.source, join(FIXTURES, 'spec-example.ini'))
  assert.deepEqual(warnings, [])
})

test('fleet: an upstream LAN INI on the local engine gets loopback addresses and a warning', async () => {
  const warnings: string[] = []
  const path = join(FIXTURES, 'upstream-office.ini')
  const f = await resolveFleet({ config: path, seed: SEED, warn: (m) => warnings.push(m), deckies: 3 })
  assert.deepEqual(f.deckies.map((d) => d.ip), ['127.42.0.1', '127.42.0.2', '127.42.0.3', '127.42.0.4', '127.42.0.5'])
  assert.equal(f.subnet, '127.42.0.0/16')
  assert.ok(warnings.includes(`${path}: the local engine binds loopback addresses: [general] net/gw and ip= outside 127.0.0.0/8 are ignored (use --engine docker for LAN addresses)`), warnings.join('\n'))
  assert.ok(warnings.includes('--deckies ignored with --config (the INI describes the deckies)'))
  const dc = f.deckies.find((d) => d.name === 'dc-01')
  assert.deepEqual([dc?.services, dc?.nmapOs, dc?.serviceConfig], [['ldap', 'smb', 'rdp', 'llmnr'], 'linux', { rdp: { nla: false } }])
})

test('fleet: 5 random deckies are valid: 1..3 known services, no clash, distinct combos, names, IPs, hostnames', async () => {
  for (let run = 0; run < 20; run++) {
    const f = await resolveFleet({ deckies: 5, randomizeServices: true, warn: () => {} })
    const known = new Set(deckyServiceNames())
    assert.deepEqual(f.deckies.map((d) => d.name), ['decky-01', 'decky-02', 'decky-03', 'decky-04', 'decky-05'])
    assert.equal(new Set(f.deckies.map((d) => d.ip)).size, 5)
    assert.equal(new Set(f.deckies.map((d) => d.hostname)).size, 5)
    assert.equal(new Set(f.deckies.map((d) => d.services.join(','))).size, 5)
    for (const d of f.deckies) {
      assert.ok(d.services.length >= 1 && d.services.length <= 3, d.services.join(','))
      assert.equal(new Set(d.services).size, d.services.length)
      for (const s of d.services) assert.ok(known.has(s), s)
      assert.equal(findPortClash(d.services), undefined)
      assert.ok(d.hostname.length > 0 && !d.hostname.includes(d.name))
    }
  }
})

test('fleet: random service picks are reproducible with an rng and avoid used combos', () => {
  const pool = ['smtp', 'smtp_relay']
  const used = new Set<string>()
  const rng = new SeededRng(Buffer.alloc(32, 1))
  const a = pickRandomServices(rng, used, pool)
  assert.equal(a.length, 1) // smtp and smtp_relay clash on 25/587
  const b = pickRandomServices(rng, used, pool)
  assert.notDeepEqual(a, b)
  assert.equal(used.size, 2)
})

test('fleet: distro order: --distro cycled, archetype preferred cycled, else all distros', async () => {
  const arch = await resolveFleet({ ...quiet, deckies: 6, archetype: 'linux-server' })
  assert.deepEqual(arch.deckies.map((d) => d.distro), ['debian', 'ubuntu22', 'rocky9', 'fedora', 'debian', 'ubuntu22'])
  assert.deepEqual(arch.deckies.map((d) => d.services), Array(6).fill(['ssh', 'http']))
  assert.deepEqual([arch.deckies[0]?.archetype, arch.deckies[0]?.nmapOs], ['linux-server', 'linux'])
  const win = await resolveFleet({ ...quiet, deckies: 2, archetype: 'windows-server' })
  assert.deepEqual(win.deckies.map((d) => [d.distro, d.nmapOs]), [['debian', 'windows_server'], ['ubuntu22', 'windows_server']])
  const flags = await resolveFleet({ ...quiet, deckies: 3, services: ['ssh'], distro: ['alpine', 'kali'] })
  assert.deepEqual(flags.deckies.map((d) => d.distro), ['alpine', 'kali', 'alpine'])
  assert.match(flags.deckies[0]?.hostname ?? '', /^[a-z]+-\d\d$/) // alpine: minimal style
  assert.match(flags.deckies[1]?.hostname ?? '', /^[a-z]+-[a-z]+$/) // kali: rolling style
  assert.equal(flags.deckies[0]?.baseImage.startsWith('alpine:3.19@sha256:'), true)
  assert.equal(flags.deckies[0]?.buildBase.startsWith('debian:bookworm-slim@'), true)
  const all = await resolveFleet({ ...quiet, deckies: 10, services: ['ssh'] })
  assert.deepEqual(all.deckies.map((d) => d.distro), ['debian', 'ubuntu22', 'ubuntu20', 'rocky9', 'centos7', 'alpine', 'fedora', 'kali', 'arch', 'debian'])
  const rnd = await resolveFleet({ ...quiet, deckies: 4, services: ['ssh'], randomizeDistros: true, rng: new SeededRng(Buffer.alloc(32, 3)) })
  const again = await resolveFleet({ ...quiet, deckies: 4, services: ['ssh'], randomizeDistros: true, rng: new SeededRng(Buffer.alloc(32, 3)) })
  assert.deepEqual(rnd.deckies.map((d) => d.distro), again.deckies.map((d) => d.distro))
})

test('fleet: hostnames are stable for one install secret and differ between installs', async () => {
  const a = await resolveFleet({ ...quiet, deckies: 8, services: ['ssh'] })
  const b = await resolveFleet({ ...quiet, deckies: 8, services: ['ssh'] })
  const c = await resolveFleet({ ...quiet, deckies: 8, services: ['ssh'], seed: Buffer.alloc(32, 9) })
  assert.deepEqual(a.deckies.map((d) => d.hostname), b.deckies.map((d) => d.hostname))
  assert.notDeepEqual(a.deckies.map((d) => d.hostname), c.deckies.map((d) => d.hostname))
  assert.match(a.deckies[0]?.hostname ?? '', /^SRV-[A-Z]+-\d\d$/) // debian: generic
  assert.match(a.deckies[3]?.hostname ?? '', /^[a-z]+\d\d\.localdomain$/) // rocky9: rhel
})

test('fleet: flag validation errors are one line', async () => {
  assert.equal(await userError({ deckies: 2 }), 'Specify --services, --archetype, or --randomize-services.')
  assert.equal(await userError({ services: ['ssh'] }), '--deckies: required without --config (how many deckies to deploy)')
  assert.equal(await userError({ deckies: 0, services: ['ssh'] }), '--deckies: must be an integer from 1 to 1000, got 0')
  assert.equal(await userError({ deckies: 1, services: ['ssh', 'gopher'] }), `--services: Unknown service(s): 'gopher'. Available: ${deckyServiceNames().join(', ')}`)
  assert.equal(await userError({ deckies: 1, services: ['sniffer'] }), `--services: 'sniffer' is a fleet singleton and cannot run on a decky`)
  assert.match(await userError({ deckies: 1, archetype: 'toaster' }), /^--archetype: Unknown archetype 'toaster'\. Available: database-server, deaddeck, devops-host, /)
  assert.equal(await userError({ deckies: 1, services: ['ssh'], distro: ['debian', 'gentoo'] }), `--distro: Unknown distro 'gentoo'. Available: alpine, arch, centos7, debian, fedora, kali, rocky9, ubuntu20, ubuntu22`)
  assert.equal(await userError({ deckies: 1, services: ['ssh'], logTarget: 'collector' }), '--log-target: expected host:port, got "collector"')
  assert.equal(await userError({ config: '/nonexistent/fleet.ini' }), '/nonexistent/fleet.ini: no such file')
  const ok = await resolveFleet({ ...quiet, deckies: 1, services: ['ssh'], logTarget: '127.0.0.1:5514' })
  assert.equal(ok.logTarget, '127.0.0.1:5514')
})

test('fleet: port clashes on one decky are errors naming decky and both services; http yields 443 to https', async (t) => {
  assert.equal(await userError({ deckies: 2, services: ['smtp', 'smtp_relay'] }), '--services: decky-01: port 25/tcp is used by both smtp and smtp_relay')
  assert.equal(await userError({ deckies: 1, services: ['conpot', 'snmp'] }), '--services: decky-01: port 161/udp is used by both conpot and snmp')
  const path = iniFile(t, '[plc]\n\nservices = conpot, http\n')
  assert.equal(await userError({ config: path }), `${path}:3: [plc] services: port 80/tcp is used by both conpot and http`)
  const web = await resolveFleet({ ...quiet, deckies: 1, services: ['http', 'https'] })
  assert.deepEqual(web.deckies[0]?.services, ['http', 'https'])
  assert.deepEqual(Object.fromEntries(effectivePorts(['http', 'https'])), { http: { tcp: [80], udp: [] }, https: { tcp: [443], udp: [] } })
  assert.deepEqual(effectivePorts(['http']).get('http')?.tcp, [80, 443])
})

test('fleet: every archetype builds without a port clash', async () => {
  const { ARCHETYPES } = await import('./archetypes.js')
  for (const a of ARCHETYPES) {
    const f = await resolveFleet({ ...quiet, deckies: 1, archetype: a.slug })
    assert.deepEqual(f.deckies[0]?.services, [...a.services], a.slug)
  }
})

test('fleet: INI persona keys of services a decky does not run are dropped with a warning', async (t) => {
  const path = iniFile(t, '[a]\nservices = ssh\n[a.http]\nfake_app = wordpress\n[a.ssh]\npassword = hunter2\n')
  const warnings: string[] = []
  const f = await resolveFleet({ config: path, seed: SEED, warn: (m) => warnings.push(m) })
  assert.deepEqual(f.deckies[0]?.serviceConfig, { ssh: { password: 'hunter2' } })
  assert.deepEqual(warnings, [`${path}:1: [a] persona keys for 'http' ignored: the decky does not run it`])
})

test('fleet: random flag combinations end in a fleet or a one-line UserError, nothing else', async () => {
  const names = [...deckyServiceNames(), 'sniffer', 'gopher', '']
  const { ARCHETYPES } = await import('./archetypes.js')
  const probe = (iface?: string): HostNetwork => ({ interface: iface ?? 'eth0', gateway: '10.0.0.1', hostIp: '10.0.0.2', subnet: '10.0.0.0/28' })
  const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined })
  const arb = fc.record({
    deckies: opt(fc.integer({ min: -1, max: 20 })),
    services: opt(fc.subarray(names, { maxLength: 4 })),
    randomizeServices: opt(fc.boolean()),
    archetype: opt(fc.constantFrom(...ARCHETYPES.map((a) => a.slug), 'toaster')),
    distro: opt(fc.subarray(['debian', 'kali', 'gentoo', 'alpine'], { maxLength: 3 })),
    randomizeDistros: opt(fc.boolean()),
    subnet: opt(fc.constantFrom('127.1.0.0/29', '127.0.0.0/8', '10.0.0.0/28', '127.5.5.5/32', 'nonsense', '127.9.0.0/31')),
    ipStart: opt(fc.constantFrom('127.1.0.3', '127.42.255.254', '10.0.0.9', 'x')),
    addresses: opt(fc.subarray(['127.0.0.5', '192.168.1.9', '10.0.0.3', 'bad'], { maxLength: 3 })),
    logTarget: opt(fc.constantFrom('127.0.0.1:514', 'nope', '[::1]:1')),
    engine: opt(fc.constantFrom('local' as const, 'docker' as const)),
  })
  await fc.assert(
    fc.asyncProperty(arb, async (o) => {
      try {
        const f = await resolveFleet({ ...o, probe, seed: SEED, warn: () => {}, rng: new SeededRng(SEED) })
        assert.equal(new Set(f.deckies.map((d) => d.ip)).size, f.deckies.length)
        for (const d of f.deckies) assert.equal(findPortClash(d.services, d.serviceConfig), undefined)
      } catch (e) {
        if (!(e instanceof UserError)) throw e
        if (/[\n\r]/.test(e.message)) throw new Error(`multi-line: ${e.message}`)
      }
    }),
    { numRuns: 300 },
  )
})
