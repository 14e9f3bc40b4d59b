// Client ident + KEXINIT parsing for client_version / HASSH, without sockets.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { hassh } from '../../fingerprints/hassh.js'
import { HelloTap, parseClientHello } from './client-hello.js'

const LISTS = [
  'curve25519-sha256,ext-info-c', 'ssh-ed25519,rsa-sha2-512', 'aes128-ctr,chacha20-poly1305@openssh.com', 'aes128-ctr',
  'hmac-sha2-256,umac-64@openssh.com', 'hmac-sha2-256', 'none,zlib@openssh.com', 'none', '', '',
]

function nameList(s: string): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(s.length)
  return Buffer.concat([b, Buffer.from(s)])
}

/** ident line + one binary packet holding SSH_MSG_KEXINIT (RFC 4253 §6, §7.1). */
function hello(ident = 'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13'): Buffer {
  const payload = Buffer.concat([Buffer.from([20]), Buffer.alloc(16, 0xab), ...LISTS.map(nameList), Buffer.from([0, 0, 0, 0, 0])])
  const pad = 8 - ((payload.length + 5) % 8) + 8
  const len = Buffer.alloc(5)
  len.writeUInt32BE(payload.length + pad + 1)
  len[4] = pad
  return Buffer.concat([Buffer.from(ident + '\r\n'), len, payload, Buffer.alloc(pad)])
}

test('client hello: ident and KEXINIT give HASSH as salesforce/hassh defines it', () => {
  const r = parseClientHello(hello())
  assert.equal(r.state, 'done')
  assert.equal(r.hello?.ident, 'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13')
  const h = hassh(r.hello!.kexinit!)
  const algorithms = 'curve25519-sha256,ext-info-c;aes128-ctr,chacha20-poly1305@openssh.com;hmac-sha2-256,umac-64@openssh.com;none,zlib@openssh.com'
  assert.equal(h.algorithms, algorithms)
  assert.equal(h.hash, createHash('md5').update(algorithms).digest('hex'))
})

test('client hello: a capture cut at every offset never completes early and never throws', () => {
  const full = hello()
  for (let i = 0; i < full.length; i++) {
    const r = parseClientHello(full.subarray(0, i))
    assert.notEqual(r.state, 'done', `offset ${i}`)
  }
  const tap = new HelloTap()
  for (const b of full) tap.feed(Buffer.from([b]))
  assert.equal(tap.result.state, 'done')
})

test('client hello: garbage and oversized inputs end in error, bounded', () => {
  assert.equal(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n\r\n')).state, 'error')
  assert.equal(parseClientHello(Buffer.alloc(300, 0x41)).state, 'error')
  const huge = Buffer.concat([Buffer.from('SSH-2.0-x\r\n'), Buffer.from([0x7f, 0xff, 0xff, 0xff, 4])])
  assert.equal(parseClientHello(huge).state, 'error')
  const tap = new HelloTap()
  for (let i = 0; i < 100; i++) tap.feed(Buffer.alloc(1000, 0x53))
  assert.ok(tap.finished)
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      const r = parseClientHello(Buffer.concat([Buffer.from('SSH-2.0-fuzz\r\n'), Buffer.from(bytes)]))
      assert.ok(['more', 'done', 'error'].includes(r.state))
    }),
    { numRuns: 500 },
  )
})
