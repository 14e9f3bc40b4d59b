// The README's fleet INI example, verbatim, through the real loader
// (issue 11, item 3): it loads, its values carry no comment text, and db-01
// is one coherent persona (a Linux OS for a Linux distro's ssh).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '../../test/helpers/readme-command.js'
import { tempDir } from '../../test/helpers/temp-home.js'
import { loadServices } from '../services/registry.js'
import { getDistro } from './distros.js'
import { resolveFleet } from './fleet.js'
import { loadFleetIni } from './fleet-ini.js'

/** The ```ini block under the README's "## The fleet INI" heading. */
function readmeIni(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')
  const at = readme.indexOf('## The fleet INI')
  assert.ok(at >= 0, 'README.md: no "## The fleet INI" section')
  const m = /```ini\n([\s\S]*?)```/.exec(readme.slice(at))
  assert.ok(m?.[1], 'README.md: no ```ini block in "## The fleet INI"')
  return m[1]
}

test('README fleet INI: loads verbatim, no comment text in values, db-01 coherent', async (t) => {
  await loadServices()
  const file = join(tempDir(t), 'fleet.ini')
  writeFileSync(file, readmeIni())
  const spec = loadFleetIni(file)
  assert.equal(spec.subnet, '192.168.1.0/24')
  assert.equal(spec.gateway, '192.168.1.1')
  const warnings: string[] = []
  const fleet = await resolveFleet({ config: file, engine: 'local', warn: (m) => warnings.push(m) })
  assert.deepEqual(fleet.deckies.map((d) => d.name), ['web-01', 'web-02', 'web-03', 'db-01'])
  for (const d of fleet.deckies) {
    for (const [svc, cfg] of Object.entries(d.serviceConfig)) {
      for (const [k, v] of Object.entries(cfg)) assert.doesNotMatch(String(v), /;/, `${d.name}.${svc} ${k} = ${String(v)}`)
    }
  }
  assert.deepEqual(fleet.customServices.map((c) => c.name), ['myapp'])
  const db = fleet.deckies.find((d) => d.name === 'db-01')!
  assert.equal(db.serviceConfig.ssh?.password, 'Summer2026!')
  // the OS nmap sees is the OS family of the distro whose OpenSSH banner ssh sends
  assert.equal(db.nmapOs, 'linux')
  assert.ok(getDistro(db.distro), db.distro)
})
