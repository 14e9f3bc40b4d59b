import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, connect } from 'node:net'
import { randomBytes } from 'node:crypto'
import { BaseService } from '../../services/base.js'
import { loadServices, registerCustomService } from '../../services/registry.js'
import type { EmulatorFactory } from '../../runtime/context.js'
import { MemorySink } from '../../../test/helpers/memory-sink.js'
import type { FleetConfig } from '../../config/model.js'
import { UserError } from '../../errors.js'
import { readState } from '../state.js'
import { sendControl } from './control.js'
import { LocalEngine } from './index.js'

/** A tiny echo emulator on declared port 7, registered like a plugin. */
class EchoService extends BaseService {
  readonly name = 'fake_echo'
  readonly ports = [7]
  override emulator(): Promise<EmulatorFactory> {
    const factory: EmulatorFactory = (ctx) => ({
      async start() {
        await ctx.listenTcp(7, (sock) => sock.on('data', (d: Buffer) => sock.write(d)))
      },
    })
    return Promise.resolve(factory)
  }
}

function fleet(n: number): FleetConfig {
  return {
    mode: 'unihost', ipvlan: false, customServices: [],
    deckies: Array.from({ length: n }, (_, i) => ({
      name: `decky-0${i + 1}`, ip: `127.42.93.${i + 1}`, services: ['fake_echo'], distro: 'debian', baseImage: 'x', buildBase: 'x',
      hostname: `SRV-${i + 1}`, serviceConfig: {}, nmapOs: 'linux',
    })),
  }
}

async function freePortOn(hosts: string[]): Promise<number> {
  for (;;) {
    const probe = createServer()
    const port = await new Promise<number>((resolve) => probe.listen(0, hosts[0], () => resolve((probe.address() as { port: number }).port)))
    await new Promise((r) => probe.close(r))
    const ok = await Promise.all(hosts.map((h) => new Promise<boolean>((resolve) => {
      const s = createServer()
      s.once('error', () => resolve(false))
      s.listen(port, h, () => s.close(() => resolve(true)))
    })))
    if (ok.every(Boolean)) return port
  }
}

async function setup(t: TestContext) {
  await loadServices()
  registerCustomService(new EchoService())
  const home = await mkdtemp(join(tmpdir(), 'decnet-local-'))
  t.after(() => rm(home, { recursive: true, force: true }))
  const port = await freePortOn(['127.42.93.1', '127.42.93.2'])
  const sink = new MemorySink()
  const engine = new LocalEngine({
    home, portOffset: port - 7, sink, installSecret: randomBytes(32), log: () => {},
    privileges: { root: false, capNetBindService: false, unprivilegedPortStart: 1024 },
  })
  return { home, port, sink, engine }
}

function echo(host: string, port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect(port, host, () => c.write(text))
    c.once('data', (d: Buffer) => {
      c.destroy()
      resolve(d.toString())
    })
    c.once('error', reject)
  })
}

test('local engine: each decky on its own address, state file, stop one decky through the control channel', async (t) => {
  const { home, port, sink, engine } = await setup(t)
  const dep = await engine.deploy(fleet(2))
  t.after(() => dep.stop())
  assert.equal(await echo('127.42.93.2', port, 'ping'), 'ping')
  const ev = await sink.next('connect', (e) => e.decky === 'decky-02')
  assert.deepEqual([ev.service, ev.fields.src_ip, ev.fields.dst_port], ['fake_echo', '127.0.0.1', String(port)])

  const state = readState(home)
  assert.deepEqual([state?.phase, state?.pid, state?.port_offset], ['running', process.pid, port - 7])
  assert.deepEqual(state?.deckies.map((d) => [d.name, d.ip, d.services[0]?.state, d.services[0]?.ports[0]?.bound]), [
    ['decky-01', '127.42.93.1', 'running', port],
    ['decky-02', '127.42.93.2', 'running', port],
  ])
  assert.ok(state?.control_socket)

  const reply = await sendControl(state.control_socket, { op: 'stop-decky', name: 'decky-01' })
  assert.deepEqual(reply, { ok: true, remaining: ['decky-02'] })
  await assert.rejects(echo('127.42.93.1', port, 'x'), /ECONNREFUSED/)
  assert.equal(await echo('127.42.93.2', port, 'still'), 'still')
  assert.deepEqual(readState(home)?.config.deckies.map((d) => d.name), ['decky-02'])

  await sendControl(state.control_socket, { op: 'stop' })
  await dep.done
  assert.equal(readState(home), undefined)
  assert.equal(existsSync(state.control_socket), false)
})

test('local engine: a busy address:port refuses the deploy in one line and stops what started', async (t) => {
  const { home, port, engine } = await setup(t)
  const squatter = createServer()
  await new Promise<void>((r) => squatter.listen(port, '127.42.93.2', r))
  t.after(() => new Promise((r) => squatter.close(r)))
  await assert.rejects(engine.deploy(fleet(2)), (e: unknown) => {
    assert.ok(e instanceof UserError)
    assert.equal(e.code, 'ADDRESS_UNAVAILABLE')
    assert.equal(
      e.message,
      `decky-02/fake_echo: cannot bind 127.42.93.2:${port}: address already in use ` +
        '(another deployment or program holds it; try --port-offset or decnet teardown --all); nothing deployed',
    )
    return true
  })
  // decky-01 had started: it was stopped again, and no state is left behind
  await assert.rejects(echo('127.42.93.1', port, 'x'), /ECONNREFUSED/)
  assert.equal(readState(home), undefined)
})

test('local engine: privileged ports are refused before anything binds', async (t) => {
  const { home, engine } = await setup(t)
  const strict = new LocalEngine({ home, portOffset: 0, privileges: { root: false, capNetBindService: false, unprivilegedPortStart: 1024 } })
  await assert.rejects(strict.deploy(fleet(1)), (e: unknown) => e instanceof UserError && e.code === 'PORT_PRIVILEGED' && e.message.startsWith('decky-01/fake_echo needs port 7,'))
  assert.equal(readState(home), undefined)
  void engine
})
