import { before, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigError } from '../errors.js'
import { CustomService } from '../services/base.js'
import { deckyServiceNames, getService, loadServices } from '../services/registry.js'
import { fleetSpecFromIni, loadFleetIni, parseLogTarget, type IniFleetSpec } from './fleet-ini.js'
import { parseIni } from './ini.js'

const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'test', 'fixtures', 'ini')
const F = 'fleet.ini'
const spec = (text: string): IniFleetSpec => fleetSpecFromIni(parseIni(text, F))
const errorOf = (text: string): string => {
  try {
    spec(text)
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`)
    assert.ok(!e.message.includes('\n'))
    return e.message
  }
  assert.fail('expected a ConfigError')
}
const decky = (s: IniFleetSpec, name: string) => {
  const d = s.deckies.find((x) => x.name === name)
  assert.ok(d, `decky ${name}`)
  return d
}

before(async () => {
  await loadServices()
})

test('fleet-ini: the upstream example INI (spec-example.ini)', () => {
  const path = join(FIXTURES, 'spec-example.ini')
  const s = loadFleetIni(path)
  assert.equal(s.subnet, '192.168.1.0/24')
  assert.equal(s.gateway, '192.168.1.1')
  assert.equal(s.interface, 'eth0')
  assert.deepEqual(s.deckies.map((d) => d.name), ['web-01', 'web-02', 'web-03', 'db-01'])
  for (const n of ['web-01', 'web-02', 'web-03']) {
    const d = decky(s, n)
    assert.equal(d.archetype, 'web-server')
    assert.equal(d.section, 'web')
    assert.equal(d.services, undefined)
    assert.deepEqual(d.serviceConfig, { http: { server_header: 'nginx/1.18.0', fake_app: 'wordpress' } })
  }
  const db = decky(s, 'db-01')
  assert.deepEqual([db.ip, db.services, db.nmapOs, db.lines.ip], ['192.168.1.50', ['mysql', 'redis'], 'linux', 15])
  assert.deepEqual(s.customServices, [{ name: 'myapp', image: 'ghcr.io/acme/myapp:1.2', execCmd: '/usr/bin/myapp --port 8080', ports: [8080] }])
  const custom = getService('myapp')
  assert.ok(custom instanceof CustomService)
  assert.deepEqual(custom.ports, [8080])
  assert.deepEqual(s.warnings, [])
})

test('fleet-ini: an upstream office file loads unchanged; undeclared persona keys are warnings', () => {
  const path = join(FIXTURES, 'upstream-office.ini')
  const s = loadFleetIni(path)
  assert.deepEqual(s.deckies.map((d) => d.name), ['fileserver', 'dc-01', 'decky.webmail', 'printers-01', 'printers-02'])
  assert.deepEqual([s.subnet, s.gateway, s.interface], ['10.20.0.0/24', '10.20.0.254', 'enp3s0'])
  const fs = decky(s, 'fileserver')
  assert.deepEqual([fs.services, fs.nmapOs, fs.mutateInterval], [['smb', 'ftp', 'ssh'], 'windows', 45])
  assert.deepEqual(fs.serviceConfig.ssh, { password: 'Winter2024!', user: 'backup' })
  // nla = false is the boolean false (upstream passed the truthy string "false")
  assert.deepEqual(decky(s, 'dc-01').serviceConfig.rdp, { nla: false })
  assert.equal(decky(s, 'dc-01').nmapOs, 'linux') // from [DEFAULT]
  const wm = decky(s, 'decky.webmail')
  assert.deepEqual(wm.services, ['http', 'smtp', 'imap'])
  assert.equal(wm.serviceConfig.http?.server_header, 'Microsoft-IIS/10.0')
  assert.equal(wm.serviceConfig.http?.extra_headers, 'X-Powered-By: ASP.NET\nX-AspNet-Version: 4.0.30319')
  assert.equal(wm.serviceConfig.http?.custom_body, '<html><body>\n<h1>Outlook Web App</h1>\n\n<p>Sign in; session expired # again</p>\n</body></html>')
  assert.deepEqual(s.warnings, [
    `${path}:20: [fileserver.ssh] kernel_version: not a persona key of service 'ssh' (ignored)`,
    `${path}:21: [fileserver.ssh] users: not a persona key of service 'ssh' (ignored)`,
  ])
})

test('fleet-ini: an upstream lab file: amount groups, per-decky subsection, %% escape, no services', () => {
  const s = loadFleetIni(join(FIXTURES, 'upstream-lab.ini'))
  assert.deepEqual(s.deckies.map((d) => d.name), ['iot-01', 'iot-02', 'iot-03', 'iot-04', 'ops-1', 'random-box'])
  assert.deepEqual(decky(s, 'iot-02').serviceConfig, { telnet: { password: 'admin%123' } })
  assert.deepEqual(decky(s, 'iot-01').serviceConfig, {})
  assert.deepEqual(decky(s, 'ops-1').serviceConfig.redis, { version: '6.0.16', os_string: 'Linux 5.4.0-1045-aws x86_64' })
  assert.equal(decky(s, 'random-box').services, undefined)
})

test('fleet-ini: amount expansion and naming, up to 100', () => {
  assert.deepEqual(spec('[g]\namount = 2\nservices = ssh\n').deckies.map((d) => d.name), ['g-01', 'g-02'])
  assert.deepEqual(spec('[solo]\namount = 1\nservices = ssh\n').deckies.map((d) => d.name), ['solo'])
  const hundred = spec('[f]\namount = 100\nservices = ssh\n').deckies.map((d) => d.name)
  assert.equal(hundred.length, 100)
  assert.deepEqual([hundred[0], hundred[8], hundred[98], hundred[99]], ['f-01', 'f-09', 'f-99', 'f-100'])
  // expanded deckies do not share mutable state
  const s = spec('[g]\namount = 2\nservices = ssh\n')
  s.deckies[0]?.services?.push('http')
  assert.deepEqual(s.deckies[1]?.services, ['ssh'])
})

test('fleet-ini: amount / ip / mutate_interval errors (upstream texts, one line)', () => {
  assert.equal(errorOf('[g]\namount = 101\n'), `${F}:2: [g] amount: 101 exceeds maximum allowed (100).`)
  assert.equal(errorOf('[g]\namount = 0\n'), `${F}:2: [g] amount: must be a positive integer, got '0'`)
  assert.equal(errorOf('[g]\namount = three\n'), `${F}:2: [g] amount: must be a positive integer, got 'three'`)
  assert.equal(errorOf('[g]\nip = 10.0.0.5\namount = 3\n'), `${F}:2: [g] ip: Cannot combine ip= with amount=3. Remove ip= or use amount=1.`)
  assert.equal(errorOf('[g]\nmutate_interval = soon\n'), `${F}:2: [g] mutate_interval: must be a positive integer (minutes), got 'soon'`)
  assert.equal(errorOf('[g]\nip = 10.0.0.300\n'), `${F}:2: [g] ip: expected an IPv4 address, got "10.0.0.300"`)
  assert.equal(errorOf('[general]\nnet = 10.0.0.0/33\n[g]\n'), `${F}:2: [general] net: expected an IPv4 network like 192.168.1.0/24, got "10.0.0.0/33"`)
  assert.equal(errorOf('[general]\nnet = 10.0.0.0/24\ngw = 10.0.1.1\n[g]\n'), `${F}:3: [general] gw: 10.0.1.1 is outside net 10.0.0.0/24`)
  assert.equal(errorOf('[general]\nlog_target = nohost\n[g]\n'), `${F}:2: [general] log_target: expected host:port, got "nohost"`)
  assert.equal(errorOf('[g]\nnmap_os = amiga\n'), `${F}:2: [g] nmap_os: unknown OS family "amiga". Available: linux, windows, windows_server, bsd, embedded, cisco`)
  assert.equal(errorOf('[general]\nnet = 10.0.0.0/24\n'), `${F}: no decky sections (a decky is any section other than [general], [custom-*] and [<decky>.<service>])`)
  assert.equal(errorOf('[g]\namount = 2\n[g-02]\n'), `${F}:3: [g-02] decky name 'g-02' is already used by [g]`)
  assert.equal(errorOf('[bad name]\n'), `${F}:1: [bad name] decky name must start with a letter or digit and use only letters, digits, '-', '_' or '.' (at most 63)`)
})

test('fleet-ini: [web.ssh] reaches the web group, not an unrelated web-proxy', () => {
  const s = spec(['[web]', 'services = ssh', 'amount = 2', '[web-proxy]', 'services = ssh', '[web.ssh]', 'password = GroupPass1'].join('\n'))
  assert.deepEqual(decky(s, 'web-01').serviceConfig, { ssh: { password: 'GroupPass1' } })
  assert.deepEqual(decky(s, 'web-02').serviceConfig, { ssh: { password: 'GroupPass1' } })
  assert.deepEqual(decky(s, 'web-proxy').serviceConfig, {})
})

test('fleet-ini: a per-decky subsection merges over its group one, whatever the order', () => {
  const s = spec(['[web-02.ssh]', 'password = Own', '[web]', 'services = ssh', 'amount = 2', '[web.ssh]', 'password = Group', 'user = admin'].join('\n'))
  assert.deepEqual(decky(s, 'web-01').serviceConfig.ssh, { password: 'Group', user: 'admin' })
  assert.deepEqual(decky(s, 'web-02').serviceConfig.ssh, { password: 'Own', user: 'admin' })
})

test('fleet-ini: a subsection that matches no decky is a warning', () => {
  const s = spec('[a]\nservices = ssh\n[ghost.ssh]\npassword = x\n')
  assert.deepEqual(s.warnings, [`${F}:3: [ghost.ssh] matches no decky or decky section named 'ghost' (ignored)`])
})

test('fleet-ini: a custom service is usable in services= and as a subsection target', () => {
  const s = spec(['[box]', 'services = ssh, honeyapp', '[custom-honeyapp]', 'binary = ghcr.io/acme/honey:2', 'exec = /bin/honey --listen "0.0.0.0:9000"', 'ports = 9000, 9001,', 'color = blue'].join('\n'))
  assert.deepEqual(decky(s, 'box').services, ['ssh', 'honeyapp'])
  assert.deepEqual(s.customServices, [{ name: 'honeyapp', image: 'ghcr.io/acme/honey:2', execCmd: '/bin/honey --listen "0.0.0.0:9000"', ports: [9000, 9001] }])
  assert.ok(deckyServiceNames().includes('honeyapp'))
  assert.deepEqual(s.warnings, [`${F}:7: [custom-honeyapp] color: unknown key for a [custom-*] section (ignored)`])
  assert.equal(errorOf('[custom-x]\nbinary = img\nports = 80, http\n[a]\n'), `${F}:3: [custom-x] ports: not a port number: "http"`)
  assert.equal(errorOf('[custom-x]\nexec = run\n[a]\n'), `${F}:1: [custom-x] binary: required: the container image to run`)
  assert.equal(errorOf('[custom-ssh]\nbinary = cowrie\n[a]\n'), `${F}:1: [custom-ssh] 'ssh' is a built-in service; pick another name for a custom service`)
  assert.equal(getService('ssh') instanceof CustomService, false)
})

test('fleet-ini: persona values go through the plugin schema', () => {
  const s = spec('[dc]\nservices = rdp, http\n[dc.rdp]\nnla = false\n[dc.http]\nresponse_code = 404\nhttp_versions = http/2, http/1.1\n')
  assert.deepEqual(decky(s, 'dc').serviceConfig, { rdp: { nla: false }, http: { response_code: 404, http_versions: ['http/2', 'http/1.1'] } })
  assert.equal(spec('[dc]\nservices = rdp\n[dc.rdp]\nnla = yes\n').deckies[0]?.serviceConfig.rdp?.nla, true)
  assert.equal(errorOf('[w]\nservices = http\n\n[w.http]\nfake_app = none\nresponse_code = abc\n'), `${F}:6: [w.http] response_code: expected int, got "abc"`)
  assert.equal(
    errorOf('[w]\nservices = rdp\n[w.rdp]\nnla = maybe\n'),
    `${F}:4: [w.rdp] nla: expected a boolean (true/false/yes/no/on/off/1/0), got "maybe"`,
  )
  assert.equal(errorOf('[w]\nservices = http\n[w.http]\nfake_app = drupal\n'), `${F}:4: [w.http] fake_app: "drupal" is not one of ${getService('http').configSchema.find((f) => f.key === 'fake_app')?.enum?.join(', ')}`)
})

test('fleet-ini: unknown service, singleton, archetype and distro errors name file, line, section, key', () => {
  const available = deckyServiceNames().join(', ')
  assert.equal(errorOf('[a]\n\nservices = ssh, gopher, finger\n'), `${F}:3: [a] services: Unknown service(s) 'gopher', 'finger'. Available: ${available}`)
  assert.equal(errorOf('[a]\nservices = sniffer\n'), `${F}:2: [a] services: 'sniffer' is a fleet singleton and cannot run on a decky`)
  assert.match(errorOf('[a]\narchetype = mainframe\n'), /^fleet\.ini:2: \[a\] archetype: Unknown archetype 'mainframe'\. Available: database-server, deaddeck, /)
  assert.equal(
    errorOf('[a]\ndistro = windows11\n'),
    `${F}:2: [a] distro: Unknown distro 'windows11'. Available: alpine, arch, centos7, debian, fedora, kali, rocky9, ubuntu20, ubuntu22`,
  )
  const ok = spec('[a]\ndistro = rocky9\nservices = ssh,ssh\nnmap-os = Windows-Server\n')
  assert.deepEqual([ok.deckies[0]?.distro, ok.deckies[0]?.services, ok.deckies[0]?.nmapOs], ['rocky9', ['ssh'], 'windows_server'])
})

test('fleet-ini: [general] log_target and mutate_interval; unknown keys warn', () => {
  const s = spec('[a]\nservices = ssh\nflavour = spicy\n[general]\nlog_target = collector.lan:5514\nmutate_interval = 20\n')
  assert.equal(s.logTarget, 'collector.lan:5514')
  assert.equal(s.deckies[0]?.mutateInterval, 20)
  assert.deepEqual(s.warnings, [`${F}:3: [a] flavour: unknown key for a decky section (ignored)`])
})

test('fleet-ini: parseLogTarget', () => {
  assert.equal(parseLogTarget('10.0.0.9:514'), '10.0.0.9:514')
  assert.equal(parseLogTarget('[::1]:6514'), '[::1]:6514')
  assert.equal(parseLogTarget('siem.corp.example:601'), 'siem.corp.example:601')
  for (const bad of ['10.0.0.9', '10.0.0.9:0', '10.0.0.9:70000', '300.1.1.1:514', 'a b:1', ':514', '-x:1']) assert.equal(parseLogTarget(bad), undefined, bad)
})

test('fleet-ini: random fleet-shaped garbage never throws anything but a one-line ConfigError', () => {
  const piece = fc.oneof(
    { arbitrary: fc.string({ maxLength: 8 }), weight: 2 },
    {
      arbitrary: fc.constantFrom(
        '\n[general]\n', '\n[web]\n', '\n[web.ssh]\n', '\n[web-01.http]\n', '\n[custom-x]\n', '\n[x.rdp]\n', '\n[DEFAULT]\n',
        '\namount = ', '\nservices = ', '\nip = ', '\nports = ', '\nbinary = ', '\nnla = ', '\nnet = ', '\ngw = ', '\narchetype = ',
        '\ndistro = ', '\nnmap_os = ', '\nmutate_interval = ', '\nresponse_code = ', '\nlog_target = ', '\n  ', '%(', '%%',
        'ssh', 'http, https', 'smtp,smtp_relay', '3', '101', '10.0.0.', '1', 'false', '0/24', ',', '\u2028',
      ),
      weight: 5,
    },
  )
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
      try {
        spec(parts.join(''))
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e
        if (/[\n\r\u2028\u2029]/.test(e.message)) throw new Error(`multi-line error: ${JSON.stringify(e.message)}`)
        if (!e.message.startsWith(F)) throw new Error(`error does not name the file: ${e.message}`)
      }
    }),
    { numRuns: 2000 },
  )
})

test('fleet-ini: the example of docs/fleet-ini.md loads', () => {
  const s = loadFleetIni(join(FIXTURES, 'docs-example.ini'))
  assert.deepEqual(s.deckies.map((d) => d.name), ['web-01', 'web-02', 'web-03', 'db-01'])
  assert.deepEqual([s.logTarget, s.deckies[0]?.mutateInterval, s.deckies[0]?.distro], ['10.0.0.9:5514', 30, 'ubuntu22'])
  assert.deepEqual(decky(s, 'web-01').serviceConfig.http, { server_header: 'nginx/1.18.0', fake_app: 'wordpress' })
  assert.deepEqual(decky(s, 'web-02').serviceConfig.http, { server_header: 'nginx/1.18.0', fake_app: 'phpmyadmin' })
  assert.deepEqual(s.warnings, [])
})
