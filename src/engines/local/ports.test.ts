import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UserError } from '../../errors.js'
import type { EnginePlan } from '../engine.js'
import {
  assertPortsBindable, hasCapability, lowestPrivilegedPort, offsetPort, parsePortOffset, readBindPrivileges, CAP_NET_BIND_SERVICE,
  type BindPrivileges,
} from './ports.js'

const plan = (offset: number): EnginePlan => ({
  engine: 'local',
  portOffset: offset,
  deckies: [
    { name: 'decky-01', ip: '127.42.0.1', hostname: 'A', os: 'linux', distro: 'debian', services: [
      { name: 'http', ports: [{ proto: 'tcp', declared: 80, bound: 80 + offset }, { proto: 'tcp', declared: 443, bound: 443 + offset }] },
    ] },
    { name: 'decky-02', ip: '127.42.0.2', hostname: 'B', os: 'linux', distro: 'debian', services: [
      { name: 'ssh', ports: [{ proto: 'tcp', declared: 22, bound: 22 + offset }] },
      { name: 'rdp', ports: [{ proto: 'tcp', declared: 3389, bound: 3389 + offset }] },
      { name: 'snmp', ports: [{ proto: 'udp', declared: 161, bound: 161 + offset }], skip: 'no emulator yet' },
    ] },
  ],
})

const user: BindPrivileges = { root: false, capNetBindService: false, unprivilegedPortStart: 1024 }

test('port offset: every port p becomes p+N; out of range is a flag error', () => {
  assert.equal(offsetPort(80, 10_000), 10_080)
  assert.equal(offsetPort(22, 0), 22)
  assert.throws(() => offsetPort(60_000, 10_000), (e: unknown) => e instanceof UserError && /70000, outside 1-65535/.test(e.message))
  assert.equal(parsePortOffset(undefined), 0)
  assert.equal(parsePortOffset('10000'), 10_000)
  assert.throws(() => parsePortOffset('-5'), UserError)
  assert.throws(() => parsePortOffset('1e4'), UserError)
})

test('privileged ports: the lowest one names decky, service and port; skipped services do not count', () => {
  const need = lowestPrivilegedPort(plan(0), user)
  assert.deepEqual([need?.decky, need?.service, need?.port.bound], ['decky-02', 'ssh', 22])
  assert.equal(lowestPrivilegedPort(plan(10_000), user), undefined)
  assert.equal(lowestPrivilegedPort(plan(0), { ...user, root: true }), undefined)
  assert.equal(lowestPrivilegedPort(plan(0), { ...user, capNetBindService: true }), undefined)
  // a lowered sysctl (ip_unprivileged_port_start)
  assert.equal(lowestPrivilegedPort(plan(0), { ...user, unprivilegedPortStart: 0 }), undefined)
  assert.equal(lowestPrivilegedPort(plan(0), { ...user, unprivilegedPortStart: 50 })?.port.bound, 22)
  assert.equal(lowestPrivilegedPort(plan(0), { ...user, unprivilegedPortStart: 22 }), undefined)
  assert.equal(lowestPrivilegedPort(plan(0), { ...user, unprivilegedPortStart: 23 })?.port.bound, 22)
})

test('privileged ports: one line with the three ways out', () => {
  assert.throws(() => assertPortsBindable(plan(0), user), (e: unknown) => {
    assert.ok(e instanceof UserError)
    assert.equal(e.code, 'PORT_PRIVILEGED')
    assert.equal(e.exitCode, 2)
    assert.ok(!e.message.includes('\n'))
    assert.equal(
      e.message,
      'decky-02/ssh needs port 22, and ports below 1024 need root here: use --port-offset 20000 (22 → 20022), ' +
        'or run `sudo setcap cap_net_bind_service=+ep "$(readlink -f "$(which node)")"`, or run as root',
    )
    return true
  })
  assert.doesNotThrow(() => assertPortsBindable(plan(10_000), user))
})

test('CapEff parsing finds CAP_NET_BIND_SERVICE (bit 10)', () => {
  assert.equal(hasCapability('Name:\tnode\nCapEff:\t0000000000000400\n', CAP_NET_BIND_SERVICE), true)
  assert.equal(hasCapability('CapEff:\t000001ffffffffff\n', CAP_NET_BIND_SERVICE), true)
  assert.equal(hasCapability('CapEff:\t0000000000000000\n', CAP_NET_BIND_SERVICE), false)
  assert.equal(hasCapability('CapEff:\t00000000000003ff\n', CAP_NET_BIND_SERVICE), false)
  assert.equal(hasCapability('no such line', CAP_NET_BIND_SERVICE), false)
})

test('readBindPrivileges reads the sysctl and CapEff from a /proc root', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'decnet-proc-'))
  t.after(() => rmSync(root, { recursive: true, force: true }))
  mkdirSync(join(root, 'sys/net/ipv4'), { recursive: true })
  mkdirSync(join(root, 'self'))
  writeFileSync(join(root, 'sys/net/ipv4/ip_unprivileged_port_start'), '80\n')
  writeFileSync(join(root, 'self/status'), 'CapEff:\t0000000000000400\n')
  const p = readBindPrivileges(root)
  assert.equal(p.unprivilegedPortStart, 80)
  assert.equal(p.capNetBindService, true)
  const missing = readBindPrivileges(join(root, 'nope'))
  assert.equal(missing.unprivilegedPortStart, 1024)
  assert.equal(missing.capNetBindService, false)
})
