import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SeededRng } from '../runtime/rng.js'
import { UserError } from '../errors.js'
import { DISTROS, distroSlugs, getDistro, hostnameForDistro, randomHostname } from './distros.js'
import { ARCHETYPES, getArchetype } from './archetypes.js'

test('distros: table order, digests, build bases', () => {
  assert.deepEqual(distroSlugs(), ['debian', 'ubuntu22', 'ubuntu20', 'rocky9', 'centos7', 'alpine', 'fedora', 'kali', 'arch'])
  for (const d of DISTROS) assert.match(d.image, /^[a-z/-]+(?::[\w.-]+)?@sha256:[0-9a-f]{64}$/, d.slug)
  assert.equal(getDistro('ubuntu22').buildBase, getDistro('ubuntu22').image)
  assert.equal(getDistro('rocky9').buildBase, getDistro('debian').image)
  assert.equal(getDistro('kali').buildBase, getDistro('kali').image)
  assert.throws(() => getDistro('gentoo'), (e: unknown) => e instanceof UserError && e.message === "Unknown distro 'gentoo'. Available: alpine, arch, centos7, debian, fedora, kali, rocky9, ubuntu20, ubuntu22")
})

test('distros: hostname styles, seeded, different per seed', () => {
  const rng = (n: number) => new SeededRng(Buffer.alloc(32, n))
  assert.match(randomHostname('generic', rng(1)), /^SRV-[A-Z]+-[1-9]\d$/)
  assert.match(randomHostname('rhel', rng(1)), /^[a-z]+[1-9]\d\.localdomain$/)
  assert.match(randomHostname('minimal', rng(1)), /^[a-z]+-[1-9]\d$/)
  const rolling = randomHostname('rolling', rng(1))
  assert.match(rolling, /^[a-z]+-[a-z]+$/)
  assert.notEqual(rolling.split('-')[0], rolling.split('-')[1])
  assert.equal(randomHostname('generic', rng(5)), randomHostname('generic', rng(5)))
  const seen = new Set(Array.from({ length: 40 }, (_, i) => randomHostname('generic', rng(i))))
  assert.ok(seen.size > 20, `only ${seen.size} distinct hostnames`)
  assert.match(hostnameForDistro('no-such-distro', rng(2)), /^SRV-/)
})

test('archetypes: table and error text', () => {
  assert.equal(ARCHETYPES.length, 15)
  assert.deepEqual(getArchetype('domain-controller').services, ['ldap', 'smb', 'rdp', 'llmnr'])
  assert.deepEqual(getArchetype('industrial-control').services, ['conpot'])
  assert.throws(
    () => getArchetype('nas'),
    (e: unknown) => e instanceof UserError && e.message.startsWith("Unknown archetype 'nas'. Available: database-server, deaddeck, devops-host, domain-controller, file-server,"),
  )
  for (const a of ARCHETYPES) for (const d of a.preferredDistros) assert.ok(distroSlugsIncludes(d), `${a.slug}: ${d}`)
})

function distroSlugsIncludes(d: string): boolean {
  return DISTROS.some((x) => x.slug === d)
}
