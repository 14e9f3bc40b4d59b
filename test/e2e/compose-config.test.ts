// The real docker-compose (Debian's v1, `.ci/install-debian.sh`) reads our
// generated files: `config` parses, validates, interpolates and merges env files.
import { createHmac } from 'node:crypto'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { DeckyConfig, FleetConfig } from '../../src/config/model.js'
import { loadServices } from '../../src/services/registry.js'
import { generateCompose, writeSecretFiles } from '../../src/composer/index.js'

const execFileP = promisify(execFile)
const DEBIAN = 'debian:bookworm-slim'

async function composeConfig(dir: string, yaml: string): Promise<{ stdout: string; stderr: string }> {
  const file = join(dir, 'docker-compose.yml')
  await writeFile(file, yaml)
  // fails loudly (ENOENT) when docker-compose is missing: run .ci/install-debian.sh
  return execFileP('docker-compose', ['-p', 'decnet', '-f', file, 'config'], { cwd: dir, env: { PATH: process.env.PATH ?? '' } })
}

function decky(name: string, ip: string, services: string[], extra: Partial<DeckyConfig> = {}): DeckyConfig {
  return { name, ip, services, distro: 'debian', baseImage: DEBIAN, buildBase: DEBIAN, hostname: `SRV-${name.toUpperCase()}`, serviceConfig: {}, nmapOs: 'linux', ...extra }
}

const fleet = (deckies: DeckyConfig[]): FleetConfig => ({
  mode: 'unihost', interface: 'decnet-p0', subnet: '172.30.99.0/24', gateway: '172.30.99.1', ipvlan: false, logTarget: '172.30.99.1:5514',
  deckies, customServices: [{ name: 'wiki_app', image: 'example/wiki:1', execCmd: 'wiki --port 8080', ports: [8080] }],
})

test('docker-compose config accepts every plugin on one fleet and merges the secret env files', async (t) => {
  const services = await loadServices()
  const dir = await mkdtemp(join(tmpdir(), 'decnet-compose-e2e-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const slugs = [...services.keys()].sort()
  assert.ok(slugs.indexOf('ssh') >= 15)
  const f = fleet([
    decky('decky-01', '172.30.99.10', slugs.slice(0, 15)),
    decky('decky-02', '172.30.99.11', [...slugs.slice(15), 'wiki_app'], { nmapOs: 'windows', serviceConfig: { ssh: { password: 'pa$word #1', user_password: 'Spring2025!' } } }),
  ])
  const installSecret = Buffer.alloc(32, 0x42)
  const { yaml, secretFiles } = generateCompose(f, { secretsDir: join(dir, 'secrets'), installSecret })
  writeSecretFiles(secretFiles)
  const { stdout, stderr } = await composeConfig(dir, yaml)
  assert.doesNotMatch(stderr, /variable is not set/)
  assert.equal(yaml.includes('Spring2025!'), false)
  // the env file's values reach the service environment (b64: where the value is not plain)
  assert.match(stdout, /SSH_USER_PASSWORD: Spring2025!/)
  assert.match(stdout, new RegExp(`SSH_ROOT_PASSWORD: b64:${Buffer.from('pa$word #1').toString('base64')}`))
  assert.match(stdout, /decky-02-wiki_app:/)
  assert.doesNotMatch(stdout, /sniffer/)
  // the decky key reaches every emulated container through its env file
  const seed = createHmac('sha256', installSecret).update('decky:decky-02').digest('hex')
  assert.equal(yaml.includes(seed), false)
  assert.equal(stdout.split(`DECNET_DECKY_KEY: ${seed}`).length - 1, slugs.slice(15).filter((s) => s !== 'sniffer').length)
})

test('docker-compose config keeps a literal $ of an inline secret', async (t) => {
  await loadServices()
  const dir = await mkdtemp(join(tmpdir(), 'decnet-compose-e2e-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const f = fleet([decky('decky-01', '172.30.99.10', ['ssh'], { serviceConfig: { ssh: { password: 'pa$word' } } })])
  const { yaml } = generateCompose(f, { inlineSecrets: true })
  const { stdout, stderr } = await composeConfig(dir, yaml)
  assert.doesNotMatch(stderr, /variable is not set/)
  assert.match(stdout, /SSH_ROOT_PASSWORD: pa\$\$word/) // config prints the escaped form of the literal
})
