// The auth policy (MaxAuthTries, what counts, methods listed) and the scp
// sink, without sockets.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import fc from 'fast-check'
import type { AuthContext } from 'ssh2'
import { SeededRng } from '../../runtime/rng.js'
import { buildPersona } from '../shared/shell/persona.js'
import { seedFs } from '../shared/shell/seed.js'
import { AuthPolicy, AUTH_LIMITS } from './auth.js'
import { parseScpCommand, ScpSink, type ScpFile } from './scp.js'

const rng = SeededRng.forDecky(Buffer.alloc(32, 3), 'd')
const persona = buildPersona({ hostname: 'h1', ip: '10.1.2.3', distro: 'debian', rootPassword: 'rootpw', user: 'ops', userPassword: 'opspw', rng })

function fakeAuth(method: string, fields: Record<string, unknown>) {
  const calls: string[] = []
  const actx = {
    method, username: 'root', service: 'ssh-connection', ...fields,
    accept: () => calls.push('accept'),
    reject: (methods: string[]) => calls.push(`reject:${methods.join(',')}`),
  } as unknown as AuthContext
  return { actx, calls }
}

test('auth: bait creds accepted, others rejected with the method list, sixth failure disconnects', async () => {
  const events: [string, Record<string, unknown>][] = []
  let exhausted = 0
  const policy = new AuthPolicy(persona, ['publickey', 'password'], {
    emit: (t, f) => events.push([t, f]), closed: () => false, failDelayMs: 0,
    tooManyFailures: () => exhausted++, onSuccess: () => {},
  })
  const ok = fakeAuth('password', { password: 'rootpw' })
  policy.handle(ok.actx)
  assert.deepEqual(ok.calls, ['accept'])
  const none = fakeAuth('none', {})
  policy.handle(none.actx)
  assert.deepEqual(none.calls, ['reject:publickey,password'])
  const all: string[][] = []
  for (let i = 0; i < AUTH_LIMITS.maxAuthTries; i++) {
    const bad = fakeAuth('password', { password: `guess${i}` })
    policy.handle(bad.actx)
    await new Promise((r) => setTimeout(r, 5))
    all.push(bad.calls)
  }
  assert.deepEqual(all.slice(0, 5), Array(5).fill(['reject:publickey,password']))
  assert.deepEqual(all[5], [])
  assert.equal(exhausted, 1)
  assert.deepEqual(events.map(([, f]) => f.outcome), ['success', ...Array(6).fill('failure')])
  assert.equal(events[1]?.[1].secret_printable, 'guess0')
})

function sinkFor(target: string) {
  const fs = seedFs(persona, rng)
  const files: ScpFile[] = []
  const written: Buffer[] = []
  let status: number | undefined
  const root = persona.users[0]!
  const sink = new ScpSink(fs, root, target, '/root', 1024 * 1024, {
    write: (b) => written.push(Buffer.from(b)), file: (f) => files.push(f), end: (s) => (status = s),
  })
  return { fs, files, written, sink, status: () => status }
}

test('scp: sink stores C records, acknowledges each step, survives any cut', () => {
  assert.deepEqual(parseScpCommand('scp -v -t /tmp/'), { mode: 'sink', target: '/tmp/', recursive: false })
  assert.deepEqual(parseScpCommand('scp -f /etc/passwd'), { mode: 'source', target: '/etc/passwd', recursive: false })
  assert.equal(parseScpCommand('ls -t'), undefined)
  const body = randomBytes(5000)
  const stream = Buffer.concat([Buffer.from('T1700000000 0 1700000000 0\n'), Buffer.from(`C0755 ${body.length} drop.bin\n`), body, Buffer.from([0])])
  const s = sinkFor('/tmp')
  // one byte at a time, as a slow link would deliver it
  for (const b of stream) s.sink.feed(Buffer.from([b]))
  s.sink.eof()
  assert.equal(s.files.length, 1)
  assert.equal(s.files[0]?.path, '/tmp/drop.bin')
  assert.equal(createHash('sha256').update(s.files[0]!.data).digest('hex'), createHash('sha256').update(body).digest('hex'))
  assert.deepEqual(Buffer.concat(s.written), Buffer.alloc(4))
  assert.equal(s.status(), 0)
  const bad = sinkFor('/tmp')
  bad.sink.feed(Buffer.from('C0644 10 ../../etc/passwd\n'))
  assert.equal(bad.status(), 1)
  assert.equal(bad.files.length, 0)
  fc.assert(
    fc.property(fc.nat(stream.length), fc.uint8Array({ maxLength: 200 }), (cut, junk) => {
      const f = sinkFor('/tmp')
      f.sink.feed(stream.subarray(0, cut))
      f.sink.feed(Buffer.from(junk))
      f.sink.eof()
      assert.ok(f.status() === 0 || f.status() === 1)
    }),
    { numRuns: 200 },
  )
})
