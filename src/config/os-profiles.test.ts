import { test } from 'node:test'
import assert from 'node:assert/strict'
import { OS_FAMILIES, isOsFamily, osSysctls } from './os-profiles.js'

// One row per sysctl, columns in OS_FAMILIES order.
const EXPECTED: Record<string, string> = {
  'net.ipv4.ip_default_ttl': '64 128 128 64 255 255',
  'net.ipv4.tcp_syn_retries': '6 2 2 6 3 2',
  'net.ipv4.tcp_timestamps': '1 1 1 1 0 0',
  'net.ipv4.tcp_window_scaling': '1 1 1 1 0 0',
  'net.ipv4.tcp_sack': '1 1 1 1 0 0',
  'net.ipv4.tcp_ecn': '2 0 1 0 0 0',
  'net.ipv4.ip_no_pmtu_disc': '0 0 0 0 1 1',
  'net.ipv4.tcp_fin_timeout': '60 30 30 60 15 15',
  'net.ipv4.icmp_ratelimit': '1000 0 0 250 0 0',
  'net.ipv4.icmp_ratemask': '6168 0 0 6168 0 0',
}

test('os-profiles: the six families, in order', () => {
  assert.deepEqual([...OS_FAMILIES], ['linux', 'windows', 'windows_server', 'bsd', 'embedded', 'cisco'])
  assert.equal(isOsFamily('bsd'), true)
  assert.equal(isOsFamily('macos'), false)
})

test('os-profiles: every family has the table values as strings', () => {
  OS_FAMILIES.forEach((family, col) => {
    const want = Object.fromEntries(Object.entries(EXPECTED).map(([k, row]) => [k, row.split(' ')[col]]))
    assert.deepEqual(osSysctls(family), want, family)
  })
})

test('os-profiles: unknown families fall back to linux; results are fresh objects', () => {
  assert.deepEqual(osSysctls('amiga'), osSysctls('linux'))
  assert.deepEqual(osSysctls(''), osSysctls('linux'))
  const a = osSysctls('linux')
  a['net.ipv4.ip_default_ttl'] = '1'
  assert.equal(osSysctls('linux')['net.ipv4.ip_default_ttl'], '64')
})
