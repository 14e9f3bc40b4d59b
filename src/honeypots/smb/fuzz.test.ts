// Hostile input: NBSS framing, SMB2 header/NEGOTIATE parsers and a whole
// connection fed garbage, truncated and mutated messages; nothing may throw
// and every buffer stays bounded.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { Session } from '../../runtime/context.js'
import { SeededRng } from '../../runtime/rng.js'
import { CMD } from './constants.js'
import { NbssFramer, nbssFrame } from './framing.js'
import { parseHeader } from './header.js'
import { parseNegotiateRequest, smb1Dialects } from './negotiate.js'
import { SmbConnection } from './connection.js'
import { serverEnv } from './index.js'
import type { HoneypotContext } from '../../runtime/context.js'

const fakeSession = (): Session & { events: string[] } => {
  const events: string[] = []
  return {
    id: 'x', peer: { ip: '127.0.0.1', port: 1 }, localPort: 445, events,
    emit: (type: string) => void events.push(type), touch() {}, close() {}, closed: false, authenticated() {},
  }
}

const ctx = {
  decky: { name: 'd', hostname: 'FS-01', ip: '127.0.0.1', osFamily: 'windows_server', distro: '' },
  service: 'smb', config: { users: 'alice:pw' }, bindAddress: '127.0.0.1', port: (p: number) => p,
  events: { emit() {} }, rng: new SeededRng(Buffer.alloc(32, 1)), deckyRng: new SeededRng(Buffer.alloc(32, 2)),
  limits: { maxConnections: 1, maxConnectionsPerIp: 1, idleTimeoutMs: 1, maxLineBytes: 1, maxFrameBytes: 65536, maxSessionMs: 1 },
} as unknown as HoneypotContext

function smb2(command: number, body: Buffer, msgId = 0n): Buffer {
  const h = Buffer.alloc(64)
  h.write('\xfeSMB', 0, 'latin1')
  h.writeUInt16LE(64, 4)
  h.writeUInt16LE(command, 12)
  h.writeBigUInt64LE(msgId, 24)
  return Buffer.concat([h, body])
}

test('fuzz: NBSS framer splits at any boundary and refuses oversize lengths', () => {
  const frames = [Buffer.alloc(10, 1), Buffer.alloc(0), Buffer.alloc(300, 2)].map((p) => nbssFrame(p))
  const all = Buffer.concat(frames)
  for (let cut = 0; cut <= all.length; cut++) {
    const f = new NbssFramer(1000)
    const a = f.push(all.subarray(0, cut))
    const b = f.push(all.subarray(cut))
    assert.deepEqual([...a.frames, ...b.frames].map((x) => x.payload.length), [10, 0, 300])
  }
  assert.ok(new NbssFramer(1000).push(Buffer.from([0, 0x10, 0, 0])).error)
})

test('fuzz: header, NEGOTIATE and SMB1 parsers never throw', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
    const buf = Buffer.from(b)
    parseHeader(buf)
    smb1Dialects(Buffer.concat([Buffer.from('ff534d4272', 'hex'), buf]))
    parseNegotiateRequest(smb2(CMD.NEGOTIATE, buf))
  }), { numRuns: 3000 })
})

test('fuzz: a connection fed random commands answers or closes, never throws', () => {
  const env = serverEnv(ctx)
  fc.assert(fc.property(
    fc.array(fc.record({ cmd: fc.integer({ min: 0, max: 20 }), body: fc.uint8Array({ maxLength: 200 }) }), { maxLength: 12 }),
    (msgs) => {
      const out: Buffer[] = []
      const conn = new SmbConnection(env, fakeSession(), (b) => void out.push(b), { netbios: false, maxPdu: 65536 })
      // a valid NEGOTIATE first, so later commands reach their handlers
      const neg = Buffer.alloc(38)
      neg.writeUInt16LE(36, 0)
      neg.writeUInt16LE(1, 2)
      neg.writeUInt16LE(0x0210, 36)
      if (!conn.onData(nbssFrame(smb2(CMD.NEGOTIATE, neg)))) return
      let id = 1n
      for (const m of msgs) {
        if (!conn.onData(nbssFrame(smb2(m.cmd, Buffer.from(m.body), id++)))) break
      }
      for (const o of out) assert.ok(o.length < 70000)
    },
  ), { numRuns: 2000 })
})

test('fuzz: every prefix of a real NEGOTIATE stream is handled', () => {
  const env = serverEnv(ctx)
  const neg = Buffer.alloc(46)
  neg.writeUInt16LE(36, 0)
  neg.writeUInt16LE(5, 2)
  ;[0x202, 0x210, 0x300, 0x302, 0x311].forEach((d, i) => neg.writeUInt16LE(d, 36 + i * 2))
  const stream = nbssFrame(smb2(CMD.NEGOTIATE, neg))
  for (let cut = 0; cut <= stream.length; cut++) {
    const out: Buffer[] = []
    const session = fakeSession()
    const conn = new SmbConnection(env, session, (b) => void out.push(b), { netbios: false, maxPdu: 65536 })
    const open = conn.onData(stream.subarray(0, cut))
    if (cut < stream.length) {
      // an incomplete frame: nothing sent, the connection waits for the rest
      assert.equal(open, true, `prefix ${cut}: closed`)
      assert.equal(out.length, 0, `prefix ${cut}: answered before the frame was complete`)
      continue
    }
    // the whole frame: one NEGOTIATE response choosing 3.1.1
    assert.equal(open, true)
    assert.equal(out.length, 1)
    const reply = Buffer.concat(out)
    assert.equal(reply.readUIntBE(1, 3), reply.length - 4, 'one NBSS frame')
    const smb = reply.subarray(4)
    assert.equal(smb.subarray(0, 4).toString('latin1'), '\xfeSMB')
    assert.equal(smb.readUInt16LE(12), CMD.NEGOTIATE)
    assert.equal(smb.readUInt32LE(8), 0, 'STATUS_SUCCESS')
    assert.equal(smb.readUInt32LE(16) & 1, 1, 'a response')
    assert.equal(smb.readUInt16LE(64 + 4), 0x311)
  }
})
