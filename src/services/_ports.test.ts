import { test } from 'node:test'
import assert from 'node:assert/strict'
import { getService, loadServices } from './registry.js'
import { portClashes } from './_ports.js'

test('portClashes: services sharing a decky netns on one port and transport', async () => {
  await loadServices()
  const s = (...names: string[]) => names.map(getService)
  assert.deepEqual(portClashes(s('ssh', 'http', 'smb')), [])
  assert.deepEqual(portClashes(s('smtp', 'smtp_relay')), [
    { proto: 'tcp', port: 25, services: ['smtp', 'smtp_relay'] },
    { proto: 'tcp', port: 587, services: ['smtp', 'smtp_relay'] },
  ])
  assert.deepEqual(portClashes(s('conpot', 'snmp')), [{ proto: 'udp', port: 161, services: ['conpot', 'snmp'] }])
  assert.deepEqual(portClashes(s('conpot', 'http')), [{ proto: 'tcp', port: 80, services: ['conpot', 'http'] }])
  // sip holds 5060 on both transports without clashing with itself; https takes UDP 443 only with http/3
  assert.deepEqual(portClashes(s('sip', 'dns')), [])
  assert.deepEqual(portClashes(s('http', 'https')), [{ proto: 'tcp', port: 443, services: ['http', 'https'] }])
  assert.deepEqual(portClashes(s('https', 'dns'), { https: { http_versions: 'http/3' } }), [])
})
