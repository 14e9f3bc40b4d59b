import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CustomService } from './base.js'
import { UnknownServiceError, allServices, deckyServiceNames, getService, hasService, loadServices, registerCustomService } from './registry.js'

const ALL = [
  'conpot', 'dns', 'docker_api', 'elasticsearch', 'ftp', 'http', 'https', 'imap', 'k8s', 'ldap', 'llmnr', 'mongodb', 'mqtt', 'mssql', 'mysql',
  'pop3', 'postgres', 'rdp', 'redis', 'sip', 'smb', 'smtp', 'smtp_relay', 'sniffer', 'snmp', 'ssh', 'telnet', 'tftp', 'vnc',
]

test('registry: loads the 29 plugins once', async () => {
  const a = await loadServices()
  const b = await loadServices()
  assert.equal(a, b)
  assert.deepEqual([...a.keys()].sort(), ALL)
})

test('registry: getService names the culprit and every available slug', async () => {
  await loadServices()
  assert.equal(getService('ssh').name, 'ssh')
  assert.throws(
    () => getService('telnetd'),
    (e: unknown) => {
      assert.ok(e instanceof UnknownServiceError)
      assert.equal(e.code, 'SERVICE_UNKNOWN')
      assert.equal(e.service, 'telnetd')
      assert.equal(e.message, `Unknown service: 'telnetd'. Available: ${ALL.join(', ')}`)
      return true
    },
  )
  assert.equal(hasService('telnetd'), false)
})

test('registry: allServices is a copy', async () => {
  await loadServices()
  const copy = allServices()
  copy.delete('ssh')
  copy.set('fake', getService('http'))
  assert.equal(allServices().has('ssh'), true)
  assert.equal(allServices().has('fake'), false)
  assert.equal(allServices().size, 29)
})

test('registry: deckyServiceNames is sorted and leaves out the fleet singleton', async () => {
  await loadServices()
  assert.deepEqual(deckyServiceNames(), ALL.filter((n) => n !== 'sniffer'))
})

test('registry: registerCustomService makes a custom slug valid', async () => {
  await loadServices()
  const custom = new CustomService('wiki_app', 'example/wiki:1', '', [8081])
  registerCustomService(custom)
  assert.equal(getService('wiki_app'), custom)
  assert.ok(deckyServiceNames().includes('wiki_app'))
  assert.throws(() => getService('nope'), /Available: .*wiki_app/)
})
