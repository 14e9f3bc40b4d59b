import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { explicit, octets, oid, seq, tlv } from './der.js'
import { negotiateMessage } from '../../../test/helpers/ntlm-client.js'
import { NEG_STATE, OID, negTokenInit2, negTokenResp, parseClientToken } from './spnego.js'

const clientInit = (mechs: string[], token?: Buffer) =>
  tlv(0x60, oid(OID.SPNEGO), explicit(0, seq(explicit(0, seq(...mechs.map(oid))), ...(token ? [explicit(2, octets(token))] : []))))

test('spnego: NegTokenInit from a client yields its NTLMSSP token and mechTypes', () => {
  const ntlm = negotiateMessage()
  const t = parseClientToken(clientInit([OID.NTLMSSP, '1.2.840.113554.1.2.2'], ntlm))
  assert.equal(t?.kind, 'init')
  assert.ok(t?.ntlm?.equals(ntlm))
  assert.deepEqual(t?.mechs, [OID.NTLMSSP, '1.2.840.113554.1.2.2'])
  assert.equal(t?.mechTypes?.toString('hex'), seq(oid(OID.NTLMSSP), oid('1.2.840.113554.1.2.2')).toString('hex'))
})

test('spnego: NegTokenResp and raw NTLMSSP', () => {
  const ntlm = negotiateMessage()
  const resp = negTokenResp({ state: NEG_STATE.ACCEPT_INCOMPLETE, supportedMech: OID.NTLMSSP, responseToken: ntlm })
  assert.equal(resp.subarray(0, 1).toString('hex'), 'a1')
  assert.ok(parseClientToken(resp)?.ntlm?.equals(ntlm))
  assert.equal(parseClientToken(ntlm)?.kind, 'raw')
  assert.equal(negTokenResp({ state: NEG_STATE.ACCEPT_COMPLETED }).toString('hex'), 'a1073005a0030a0100')
  const init = negTokenInit2()
  assert.equal(init[0], 0x60)
  assert.ok(init.includes(Buffer.from('not_defined_in_RFC4178@please_ignore')))
})

test('fuzz: parseClientToken never throws (garbage, truncations)', () => {
  const good = clientInit([OID.NTLMSSP], negotiateMessage())
  for (let i = 0; i < good.length; i++) parseClientToken(good.subarray(0, i))
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
    parseClientToken(Buffer.from(b))
    parseClientToken(Buffer.concat([good.subarray(0, 20), Buffer.from(b)]))
  }), { numRuns: 3000 })
})
