import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { buildTsRequest, parseTsRequest, tsRequestLength } from './credssp.js'
import { parseClientCore } from './mcs.js'
import { parseConnectionRequest, splitTpkt } from './x224.js'

test('x224: nmap TerminalServerCookie request parses; every prefix is safe', () => {
  const pkt = Buffer.concat([Buffer.from('0300002a25e00000000000', 'hex'), Buffer.from('Cookie: mstshash=nmap\r\n'), Buffer.from('0100080003000000', 'hex')])
  assert.deepEqual(parseConnectionRequest(pkt), { truncated: false, cookie: 'nmap', negFlags: 0, requestedProtocols: 3 })
  for (let i = 0; i <= pkt.length; i++) {
    const { packets } = splitTpkt(pkt.subarray(0, i))
    assert.equal(packets.length, i === pkt.length ? 1 : 0)
    parseConnectionRequest(pkt.subarray(0, i))
  }
})

test('x224: a cookie without CRLF inside the TPDU is flagged, not read past LI', () => {
  const data = Buffer.from(`Cookie: mstshash=${'A'.repeat(200)}\r\n`)
  const h = Buffer.alloc(11)
  h[0] = 3
  h.writeUInt16BE(11 + data.length, 2)
  h[4] = 6 + data.length
  h[5] = 0xe0
  assert.equal(parseConnectionRequest(Buffer.concat([h, data]))?.cookie?.length, 200)
  h[4] = 6 + 100 // LI says the variable part ends before the CRLF
  assert.deepEqual(parseConnectionRequest(Buffer.concat([h, data])), { truncated: true })
})

test('credssp: TSRequest round trip', () => {
  const tok = Buffer.from('NTLMSSP\0\x01\0\0\0', 'latin1')
  const b = buildTsRequest({ version: 6, negoToken: tok })
  assert.equal(tsRequestLength(b), b.length)
  const r = parseTsRequest(b)
  assert.equal(r?.version, 6)
  assert.ok(r?.negoToken?.equals(tok))
  assert.equal(parseTsRequest(buildTsRequest({ errorCode: 0xc000006d | 0 }))?.errorCode, 0xc000006d | 0)
})

test('fuzz: TPKT, X.224, TSRequest and MCS parsers never throw', () => {
  const good = buildTsRequest({ version: 6, negoToken: Buffer.alloc(40, 0x41) })
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(good.length), (bytes, cut) => {
    const b = Buffer.from(bytes)
    splitTpkt(b)
    parseConnectionRequest(Buffer.concat([Buffer.from('0300ffff20e00000000000', 'hex'), b]))
    parseConnectionRequest(b)
    tsRequestLength(b)
    parseTsRequest(b)
    parseTsRequest(Buffer.concat([good.subarray(0, cut), b]))
    parseClientCore(Buffer.concat([Buffer.from('Duca'), b]))
  }), { numRuns: 4000 })
})
