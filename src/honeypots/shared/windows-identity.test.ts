import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { HoneypotContext } from '../../runtime/context.js'
import { SeededRng } from '../../runtime/rng.js'
import { windowsIdentity } from './windows-identity.js'

const install = Buffer.alloc(32, 3)
// The runtime's rule (service-runtime.ts): rng forked per service, deckyRng shared by the decky.
const ctx = (service: string, config: Record<string, unknown>, hostname = 'fs-fin-02', osFamily = 'windows_server', name = `decky-${hostname}`) =>
  ({
    decky: { name, hostname, ip: '10.0.0.7', osFamily, distro: '' },
    service, config,
    rng: SeededRng.forDecky(install, name).fork(`service:${service}`),
    deckyRng: SeededRng.forDecky(install, name).fork('decky'),
  }) as unknown as HoneypotContext

test('windowsIdentity: workgroup server names come from the persona hostname', () => {
  const id = windowsIdentity(ctx('smb', {}))
  assert.deepEqual([id.nbComputer, id.nbDomain, id.dnsComputer, id.dnsDomain, id.domainJoined], ['FS-FIN-02', 'FS-FIN-02', 'fs-fin-02', 'fs-fin-02', false])
  assert.equal(id.version.major, 10)
})

test('windowsIdentity: domain member, os_version override, NetBIOS 15-char cut', () => {
  const id = windowsIdentity(ctx('smb', { domain: 'Corp.Example.com', os_version: '10.0.19045' }, 'accounting-workstation-12'))
  assert.deepEqual([id.nbComputer, id.nbDomain, id.dnsComputer, id.dnsTree], ['ACCOUNTING-WORK', 'CORP', 'accounting-workstation-12.corp.example.com', 'corp.example.com'])
  assert.equal(id.version.build, 19045)
})

test('windowsIdentity: every service of one decky claims the same build; deckies differ', () => {
  const builds = new Set<number>()
  for (const host of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l']) {
    const smb = windowsIdentity(ctx('smb', {}, host))
    assert.deepEqual(smb.version, windowsIdentity(ctx('rdp', {}, host)).version)
    builds.add(smb.version.build)
  }
  assert.ok(builds.size > 1, 'every decky claims the same build')
  assert.match(windowsIdentity(ctx('rdp', {}, 'pc', 'windows')).productName, /^Windows 1[01] Pro/)
})
