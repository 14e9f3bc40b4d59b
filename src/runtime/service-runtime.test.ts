// makeServiceContext: a decky key (containers) and an install secret (local
// engine) give the same per-decky values; artifactsDir replaces the quarantine folder.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac, randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BaseService } from '../services/base.js'
import type { DecnetEvent } from '../events/event.js'
import type { DeckyIdentity } from './context.js'
import type { EventSink } from '../events/sink.js'
import { makeServiceContext, type ServiceRuntimeOptions } from './service-runtime.js'

class FakeService extends BaseService {
  readonly name = 'fake'
  readonly ports = [7]
}

const DECKY: DeckyIdentity = { name: 'decky-01', hostname: 'SRV-A', ip: '127.0.0.1', osFamily: 'linux', distro: 'debian' }

async function tempHome(t: TestContext): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'decnet-srt-'))
  t.after(() => rm(home, { recursive: true, force: true }))
  return home
}

function opts(home: string, sink: EventSink, over: Partial<ServiceRuntimeOptions>): ServiceRuntimeOptions {
  return { decky: DECKY, plugin: new FakeService(), bindAddress: '127.0.0.1', sink, home, artifactsRoot: join(home, 'artifacts'), ...over }
}

const nullSink: EventSink = { write() {} }

test('service context: the decky key gives exactly the values of the install secret', async (t) => {
  const home = await tempHome(t)
  const secret = randomBytes(32)
  const seed = createHmac('sha256', secret).update('decky:decky-01').digest()
  const local = makeServiceContext(opts(home, nullSink, { installSecret: secret }))
  const container = makeServiceContext(opts(home, nullSink, { deckyKey: seed }))
  const other = makeServiceContext(opts(home, nullSink, { deckyKey: createHmac('sha256', secret).update('decky:decky-02').digest() }))
  const draw = (c: typeof local) => [c.rng.fork('tls/cert/x').hex(16), c.deckyRng.fork('windows/build').int(0, 1e9), c.rng.fork('probe').hex(8)]
  assert.deepEqual(draw(container), draw(local))
  assert.notDeepEqual(draw(other), draw(local))
  // the seed wins over an install secret given alongside
  assert.deepEqual(draw(makeServiceContext(opts(home, nullSink, { deckyKey: seed, installSecret: randomBytes(32) }))), draw(local))
  assert.throws(() => makeServiceContext(opts(home, nullSink, {})), /installSecret or deckyKey/)
  assert.throws(() => makeServiceContext(opts(home, nullSink, { deckyKey: seed.subarray(0, 16) })), /expected 32 bytes/)
})

test('service context: artifactsDir receives the artifacts, and the quota counts that folder', async (t) => {
  const home = await tempHome(t)
  const mount = join(home, 'mnt', 'coredump')
  const events: DecnetEvent[] = []
  const sink: EventSink = { write: (e) => void events.push(e) }
  // a file left by an earlier container counts against the cap
  const ctx0 = makeServiceContext(opts(home, sink, { installSecret: randomBytes(32), artifactsDir: mount, artifactCaps: { maxFileBytes: 100, maxDeckyBytes: 150 } }))
  const first = await ctx0.artifacts.save({ name: 'a.sh', data: Buffer.alloc(100, 0x61) })
  assert.ok(first)
  assert.equal(first.path, join(mount, first.storedAs))
  assert.equal((await readFile(first.path)).length, 100)
  assert.deepEqual(await readdir(home).then((l) => l.includes('artifacts')), false)
  await writeFile(join(mount, 'unrelated'), 'x')
  const ctx1 = makeServiceContext(opts(home, sink, { installSecret: randomBytes(32), artifactsDir: mount, artifactCaps: { maxFileBytes: 100, maxDeckyBytes: 150 } }))
  assert.equal(await ctx1.artifacts.save({ name: 'b.sh', data: Buffer.alloc(60, 0x62) }), undefined)
  assert.equal(events.at(-1)?.type, 'artifact_dropped')
  assert.equal(events.at(-1)?.fields.reason, 'decky_quota')
})
