import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { SshReader } from './ident.js'
import { hassh, hasshServer } from '../../fingerprints/hassh.js'
import { kexinitPacket } from '../../../test/helpers/sniffer-synth.js'

const KEX = { kex: 'sntrup761x25519-sha512@openssh.com,curve25519-sha256', hostKey: 'ssh-ed25519', enc: ['aes128-ctr', 'aes256-ctr'] as [string, string], mac: ['hmac-sha2-256', 'hmac-sha1'] as [string, string], comp: ['none', 'zlib'] as [string, string] }

test('ssh: identification after pre-ident lines (RFC 4253 §4.2), then KEXINIT → HASSH inputs', () => {
  const stream = Buffer.concat([Buffer.from('Welcome\r\nauthorised use only\r\nSSH-2.0-OpenSSH_9.6 Ubuntu\r\n'), kexinitPacket(KEX)])
  const r = new SshReader()
  let out = r.feed(stream.subarray(0, 10))
  assert.equal(out.state, 'more')
  for (let n = 11; n <= stream.length; n++) out = r.feed(stream.subarray(0, n))
  assert.equal(out.state, 'done')
  assert.ok(out.state === 'done')
  assert.equal(out.ident, 'SSH-2.0-OpenSSH_9.6 Ubuntu')
  assert.equal(hassh(out.kex).algorithms, 'sntrup761x25519-sha512@openssh.com,curve25519-sha256;aes128-ctr;hmac-sha2-256;none')
  assert.equal(hasshServer(out.kex).algorithms, 'sntrup761x25519-sha512@openssh.com,curve25519-sha256;aes256-ctr;hmac-sha1;zlib')
  assert.equal(hassh(out.kex).hash.length, 32)
})

test('ssh: protocol 1, over-long identification and bad packet lengths fail cleanly', () => {
  assert.equal(new SshReader().feed(Buffer.from('SSH-1.5-old\n')).state, 'fail')
  assert.equal(new SshReader().feed(Buffer.from(`SSH-2.0-${'x'.repeat(300)}\n`)).state, 'fail')
  const bad = Buffer.concat([Buffer.from('SSH-2.0-x\r\n'), Buffer.from([0xff, 0xff, 0xff, 0xff, 4, 20])])
  const r = new SshReader().feed(bad)
  assert.equal(r.state, 'fail')
  assert.equal(r.ident, 'SSH-2.0-x')
  assert.equal(new SshReader().feed(Buffer.from('SSH-1.99-compat\r\n')).state, 'more')
})

test('ssh: random bytes after a banner, and a KEXINIT cut anywhere, never throw', () => {
  const full = Buffer.concat([Buffer.from('SSH-2.0-x\r\n'), kexinitPacket(KEX)])
  for (let cut = 0; cut <= full.length; cut++) {
    const r = new SshReader().feed(full.subarray(0, cut))
    assert.equal(r.state, cut === full.length ? 'done' : 'more')
  }
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 500 }), (tail) => {
      new SshReader().feed(Buffer.concat([Buffer.from('SSH-2.0-x\r\n'), Buffer.from(tail)]))
    }),
    { numRuns: 1000 },
  )
})
