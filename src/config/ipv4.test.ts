import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { broadcast, contains, formatCidr, formatIpv4, freeAddresses, hostRange, parseCidr, parseIpv4 } from './ipv4.js'

test('ipv4: strict dotted quads', () => {
  assert.equal(parseIpv4('192.168.1.50'), 0xc0a80132)
  for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.-1', ' 1.2.3.4', '1.2.3.4 ', '', 'a.b.c.d', '1..3.4']) assert.equal(parseIpv4(bad), undefined, bad)
  fc.assert(fc.property(fc.nat({ max: 0xffffffff }), (n) => parseIpv4(formatIpv4(n)) === n))
})

test('ipv4: CIDR parsing clears host bits; hosts() like Python', () => {
  const c = parseCidr('10.1.2.3/24')
  assert.ok(c)
  assert.equal(formatCidr(c), '10.1.2.0/24')
  assert.equal(formatIpv4(broadcast(c)), '10.1.2.255')
  assert.deepEqual(hostRange(c).map(formatIpv4), ['10.1.2.1', '10.1.2.254'])
  assert.deepEqual(hostRange(parseCidr('10.0.0.4/31') as never).map(formatIpv4), ['10.0.0.4', '10.0.0.5'])
  assert.deepEqual(hostRange(parseCidr('10.0.0.9/32') as never).map(formatIpv4), ['10.0.0.9', '10.0.0.9'])
  assert.equal(formatCidr(parseCidr('1.2.3.4/0') as never), '0.0.0.0/0')
  assert.ok(contains(c, parseIpv4('10.1.2.200') as number))
  assert.ok(!contains(c, parseIpv4('10.1.3.1') as number))
  for (const bad of ['10.0.0.0', '10.0.0.0/33', '10.0.0.0/', '/24', '10.0.0/24']) assert.equal(parseCidr(bad), undefined, bad)
})

test('ipv4: freeAddresses walks up from start, skipping reserved, network and broadcast', () => {
  const c = parseCidr('10.0.0.0/29') as never
  const reserved = new Set([parseIpv4('10.0.0.1') as number, parseIpv4('10.0.0.4') as number])
  assert.deepEqual(freeAddresses(c, 10, reserved).map(formatIpv4), ['10.0.0.2', '10.0.0.3', '10.0.0.5', '10.0.0.6'])
  assert.deepEqual(freeAddresses(c, 2, reserved, parseIpv4('10.0.0.3')).map(formatIpv4), ['10.0.0.3', '10.0.0.5'])
  assert.deepEqual(freeAddresses(parseCidr('10.0.0.0/8') as never, 2, new Set()).map(formatIpv4), ['10.0.0.1', '10.0.0.2'])
})
