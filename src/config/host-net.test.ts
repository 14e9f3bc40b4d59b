import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseDefaultRoute, parseIfaceAddr } from './host-net.js'

test('host-net: default route parsing takes the first dev and via', () => {
  assert.deepEqual(parseDefaultRoute('default via 192.168.1.1 dev wlp2s0 proto dhcp src 192.168.1.23 metric 600\ndefault via 10.0.0.1 dev eth1\n'), { dev: 'wlp2s0', via: '192.168.1.1' })
  assert.deepEqual(parseDefaultRoute('default dev tun0 scope link\n'), { dev: 'tun0' })
  assert.deepEqual(parseDefaultRoute(''), {})
})

test('host-net: interface address gives the host IP and its network', () => {
  const text = '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500\n    inet 192.168.1.23/24 brd 192.168.1.255 scope global dynamic eth0\n    inet 10.9.9.9/8 scope global eth0\n'
  assert.deepEqual(parseIfaceAddr(text), { ip: '192.168.1.23', subnet: '192.168.1.0/24' })
  assert.equal(parseIfaceAddr('    inet6 fe80::1/64 scope link\n'), undefined)
  assert.equal(parseIfaceAddr('    inet 999.1.1.1/24\n'), undefined)
})
