// Issue 2's acceptance: `decnet deploy --dry-run` for 5 random deckies, and
// for an INI with persona subsections and a custom service, writes compose
// files that the Compose Specification accepts; bad INI files are one line.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { cli } from './helpers/cli.js'
import { composeValidator } from './helpers/compose-schema.js'
import { tempHome } from './helpers/temp-home.js'

const validate = composeValidator()

type Service = { environment?: Record<string, string>; env_file?: string[]; image?: string; command?: string[]; network_mode?: string }
type Doc = { services: Record<string, Service> }

function validCompose(path: string): Doc {
  const text = readFileSync(path, 'utf8')
  const doc = parse(text) as Doc
  assert.ok(validate(doc), JSON.stringify(validate.errors?.slice(0, 3)))
  return doc
}

test('dry-run: 5 random deckies give a schema-valid compose file', async (t) => {
  const home = tempHome(t)
  const out = join(home, 'compose.yml')
  const r = await cli(['deploy', '--dry-run', '--deckies', '5', '--randomize-services', '--subnet', '192.168.77.0/24', '--interface', 'eth9', '--output', out])
  assert.equal(r.code, 0, r.err)
  const doc = validCompose(out)
  const bases = Object.keys(doc.services).filter((k) => /^decky-0[1-5]$/.test(k))
  assert.deepEqual(bases, ['decky-01', 'decky-02', 'decky-03', 'decky-04', 'decky-05'])
  const perService = Object.entries(doc.services).filter(([k]) => !bases.includes(k))
  assert.ok(perService.length >= 5, 'every decky runs at least one service')
  for (const [key, svc] of perService) {
    const decky = key.slice(0, 'decky-0N'.length)
    assert.equal(svc.network_mode, `service:${decky}`, key)
  }
})

test('dry-run: an INI with persona subsections and a custom service gives a schema-valid compose file', async (t) => {
  const home = tempHome(t)
  const ini = join(home, 'fleet.ini')
  writeFileSync(ini, [
    '[general]', 'net = 192.168.50.0/24', 'gw = 192.168.50.1', 'interface = eth0', '',
    '[web]', 'archetype = web-server', 'amount = 2', '',
    '[web.http]', 'server_header = nginx/1.18.0', 'fake_app = wordpress', '',
    '[files-01]', 'services = smb, ssh, myapp', 'nmap_os = windows', '',
    '[files-01.ssh]', 'password = Winter;2026 #1', '',
    '[files-01.rdp]', 'nla = false', '',
    '[custom-myapp]', 'binary = ghcr.io/acme/myapp:1.2', 'exec = /usr/bin/myapp --port "8080"', 'ports = 8080', '',
  ].join('\n'))
  const out = join(home, 'compose.yml')
  const r = await cli(['deploy', '--dry-run', '--config', ini, '--output', out])
  assert.equal(r.code, 0, r.err)
  const doc = validCompose(out)
  assert.equal(doc.services['web-01-http']?.environment?.SERVER_HEADER, 'nginx/1.18.0')
  assert.equal(doc.services['web-02-http']?.environment?.FAKE_APP, 'wordpress')
  const custom = doc.services['files-01-myapp']
  assert.equal(custom?.image, 'ghcr.io/acme/myapp:1.2')
  assert.deepEqual(custom?.command, ['/usr/bin/myapp', '--port', '8080'])
  // the bait password is in a 0600 env file, not in the compose file
  assert.doesNotMatch(readFileSync(out, 'utf8'), /Winter;2026/)
  const envFile = doc.services['files-01-ssh']?.env_file?.[0]
  assert.ok(envFile, 'ssh secrets are referenced through env_file')
  // values compose would mangle (; # spaces) travel base64-encoded, decoded by run-service
  const b64 = Buffer.from('Winter;2026 #1').toString('base64')
  assert.match(readFileSync(envFile, 'utf8'), new RegExp(`^SSH_ROOT_PASSWORD=b64:${b64}$`, 'm'))
})

test('dry-run: bad INI files give one line naming file, section and key, exit 2, nothing written', async (t) => {
  const home = tempHome(t)
  const cases: [string, RegExp][] = [
    ['[web]\namount = lots\n', /fleet\.ini:2: \[web\] amount/],
    ['[web]\nservices = http, telnetz\n', /fleet\.ini:2: \[web\] services: .*telnetz.*Available/],
    ['[web]\nservices = rdp\n[web.rdp]\nnla = perhaps\n', /fleet\.ini:4: \[web\.rdp\] nla/],
    ['[web]\nservices = http\nservices = ssh\n', /fleet\.ini:3: \[web\] services/],
    ['not an ini line\n', /fleet\.ini:1:/],
  ]
  for (const [text, expected] of cases) {
    const ini = join(home, 'fleet.ini')
    writeFileSync(ini, text)
    const out = join(home, 'never.yml')
    const r = await cli(['deploy', '--dry-run', '--config', ini, '--output', out, '--subnet', '192.168.9.0/24', '--interface', 'eth0'])
    assert.equal(r.code, 2, `${text}: ${r.err}`)
    const lines = r.err.trim().split('\n').filter((l) => !l.startsWith('warning'))
    assert.equal(lines.length, 1, r.err)
    assert.match(lines[0] ?? '', expected)
    assert.throws(() => readFileSync(out), /ENOENT/)
  }
})
