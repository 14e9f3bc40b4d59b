import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  buildChallenge, challengeFlags, credentialFields, hashcatLine, isAnonymous, MSV_AV, ntowfv2, parseAuthenticate, parseNegotiate,
  principalOf, serverMac, verifyNtlmV2, NTLMSSP_NEGOTIATE as F,
} from './ntlmssp.js'
import { authenticateMessage, negotiateMessage, readChallenge } from '../../../test/helpers/ntlm-client.js'
import { createHash, createHmac } from 'node:crypto'

// MS-NLMP 4.2.4 (NTLMv2 authentication) test vectors
const NLMP = {
  user: 'User', domain: 'Domain', password: 'Password',
  serverChallenge: Buffer.from('0123456789abcdef', 'hex'),
  clientChallenge: Buffer.from('aaaaaaaaaaaaaaaa', 'hex'),
  targetInfo: Buffer.from('02000c0044006f006d00610069006e0001000c0053006500720076006500720000000000', 'hex'),
  ntowfv2: '0c868a403bfd7a93a3001ef22ef02e3f',
  ntProofStr: '68cd0ab851e51c96aabc927bebef6a1c',
  sessionBaseKey: '8de40ccadbc14a82f15cb0ad0de95ca3',
}

const identity = {
  nbComputer: 'FS-FIN-02', nbDomain: 'CORP', dnsComputer: 'fs-fin-02.corp.local', dnsDomain: 'corp.local', dnsTree: 'corp.local',
  domainJoined: true, version: { major: 10, minor: 0, build: 17763 },
}

test('ntowfv2 and NTProofStr match MS-NLMP 4.2.4', () => {
  assert.equal(ntowfv2(NLMP.password, NLMP.user, NLMP.domain).toString('hex'), NLMP.ntowfv2)
  const { ntResponse, sessionBaseKey } = authenticateMessage({ ...NLMP, timestamp: Buffer.alloc(8) })
  assert.equal(ntResponse.subarray(0, 16).toString('hex'), NLMP.ntProofStr)
  assert.equal(sessionBaseKey.toString('hex'), NLMP.sessionBaseKey)
})

test('golden: captured NetNTLMv2 hashcat line recomputes from the password', () => {
  const { message } = authenticateMessage({ ...NLMP, workstation: 'WS01', timestamp: Buffer.alloc(8) })
  const auth = parseAuthenticate(message)
  assert.ok(auth)
  assert.deepEqual([auth.user, auth.domain, auth.workstation], ['User', 'Domain', 'WS01'])
  const hc = hashcatLine(auth, NLMP.serverChallenge)
  assert.ok(hc)
  assert.equal(hc.secretKind, 'ntlmssp_v2')
  const [user, empty, domain, chal, proof, blob] = hc.line.split(':')
  assert.deepEqual([user, empty, domain, chal, proof], ['User', '', 'Domain', '0123456789abcdef', NLMP.ntProofStr])
  // recompute as hashcat 5600 does: HMAC-MD5(NTOWFv2, challenge || blob) == NTProofStr
  const recomputed = createHmac('md5', ntowfv2('Password', 'USER', 'Domain')).update(Buffer.from(chal as string, 'hex')).update(Buffer.from(blob as string, 'hex')).digest('hex')
  assert.equal(recomputed, proof)
  assert.ok(verifyNtlmV2(auth, NLMP.serverChallenge, 'Password'))
  assert.equal(verifyNtlmV2(auth, NLMP.serverChallenge, 'password'), undefined)
  const f = credentialFields(auth, NLMP.serverChallenge)
  assert.equal(f.principal, 'Domain\\User')
  assert.equal(f.secret_kind, 'ntlmssp_v2')
  assert.equal(Buffer.from(f.secret_b64 as string, 'base64').toString(), hc.line)
  assert.equal(f.challenge_hex, '0123456789abcdef')
})

test('NetNTLMv1 line: user::domain:lm:nt:challenge', () => {
  const auth = { flags: 0, lmResponse: Buffer.alloc(24, 1), ntResponse: Buffer.alloc(24, 2), domain: 'D', user: 'u', workstation: '', encryptedSessionKey: Buffer.alloc(0), truncated: false }
  const hc = hashcatLine(auth, Buffer.from('1122334455667788', 'hex'))
  assert.deepEqual(hc, { secretKind: 'ntlmssp_v1', line: `u::D:${'01'.repeat(24)}:${'02'.repeat(24)}:1122334455667788` })
  assert.equal(principalOf({ user: 'u', domain: '' }), 'u')
})

test('CHALLENGE carries the persona names, version, timestamp and a Windows flag set', () => {
  const serverChallenge = Buffer.from('a1a2a3a4a5a6a7a8', 'hex')
  const neg = parseNegotiate(negotiateMessage())
  assert.ok(neg)
  const msg = buildChallenge({ ...identity, serverChallenge, clientFlags: neg.flags, timestamp: 133000000000000000n })
  const c = readChallenge(msg)
  assert.equal(c.targetName, 'CORP')
  assert.ok(c.challenge.equals(serverChallenge))
  const s = (id: number) => c.avPairs.get(id)?.toString('utf16le')
  assert.deepEqual(
    [s(MSV_AV.NB_DOMAIN_NAME), s(MSV_AV.NB_COMPUTER_NAME), s(MSV_AV.DNS_DOMAIN_NAME), s(MSV_AV.DNS_COMPUTER_NAME), s(MSV_AV.DNS_TREE_NAME)],
    ['CORP', 'FS-FIN-02', 'corp.local', 'fs-fin-02.corp.local', 'corp.local'],
  )
  assert.equal(c.avPairs.get(MSV_AV.TIMESTAMP)?.readBigUInt64LE(), 133000000000000000n)
  assert.equal(c.version.toString('hex'), '0a00634500000000'.slice(0, 14) + '0f')
  assert.equal(c.flags >>> 0, 0xe2898215) // domain member answering a Windows client
  assert.equal(challengeFlags(undefined, false), 0xe28a8215) // workgroup server
})

test('anonymous AUTHENTICATE has no hashcat line', () => {
  const { message } = authenticateMessage({ ...NLMP, user: '', domain: '', password: '' })
  const raw = Buffer.from(message)
  raw.writeUInt16LE(0, 20) // NT response length 0
  raw.writeUInt16LE(0, 12)
  const auth = parseAuthenticate(raw)
  assert.ok(auth && isAnonymous(auth))
  assert.equal(hashcatLine(auth, NLMP.serverChallenge), undefined)
  assert.equal(credentialFields(auth, NLMP.serverChallenge).secret_kind, 'anonymous')
})

// An independent NTLMSSP MAC (MS-NLMP 3.4.4.2 with extended session security):
// its own RC4 and key derivation, not the module's.
function rc4(key: Buffer, data: Buffer): Buffer {
  const S = Array.from({ length: 256 }, (_, i) => i)
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + S[i]! + key[i % key.length]!) & 0xff
    ;[S[i], S[j]] = [S[j]!, S[i]!]
  }
  const out = Buffer.alloc(data.length)
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 0xff
    j = (j + S[i]!) & 0xff
    ;[S[i], S[j]] = [S[j]!, S[i]!]
    out[n] = data[n]! ^ S[(S[i]! + S[j]!) & 0xff]!
  }
  return out
}
const md5 = (...parts: (Buffer | string)[]) => parts.reduce((h, p) => h.update(p), createHash('md5')).digest()
const magic = (dir: string, kind: string) => `session key to ${dir} ${kind} key magic constant\0`

function expectedMac(key: Buffer, keyExch: boolean, message: Buffer, seq: number): Buffer {
  const seqBuf = Buffer.alloc(4)
  seqBuf.writeUInt32LE(seq)
  const sign = md5(key, magic('server-to-client', 'signing'))
  const seal = md5(key, magic('server-to-client', 'sealing'))
  let checksum: Buffer = createHmac('md5', sign).update(seqBuf).update(message).digest().subarray(0, 8)
  if (keyExch) checksum = rc4(seal, checksum)
  return Buffer.concat([Buffer.from('01000000', 'hex'), checksum, seqBuf])
}

test('serverMac: equals an independent MS-NLMP 3.4.4.2 computation (KEY_EXCH or not, any sequence)', () => {
  const key = Buffer.alloc(16, 0x55) // MS-NLMP 4.2.4's RandomSessionKey
  // the derivation used above reproduces MS-NLMP 4.2.4.4's client-to-server SignKey and SealKey vectors
  assert.equal(md5(key, magic('client-to-server', 'signing')).toString('hex'), '4788dc861b4782f35d43fd98fe1a2d39')
  assert.equal(md5(key, magic('client-to-server', 'sealing')).toString('hex'), '59f600973cc4960a25480a7c196e4c58')
  // RC4 itself: the classic "Key"/"Plaintext" vector
  assert.equal(rc4(Buffer.from('Key'), Buffer.from('Plaintext')).toString('hex'), 'bbf316e8d940af0ad3')
  const msg = Buffer.from('3000', 'hex')
  const mac = serverMac(key, F.KEY_EXCH | F.EXTENDED_SESSIONSECURITY, msg)
  assert.equal(mac.toString('hex'), expectedMac(key, true, msg, 0).toString('hex'))
  assert.equal(serverMac(key, F.EXTENDED_SESSIONSECURITY, msg).toString('hex'), expectedMac(key, false, msg, 0).toString('hex'))
  assert.notEqual(serverMac(key, F.EXTENDED_SESSIONSECURITY, msg).toString('hex'), mac.toString('hex'))
  fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ maxLength: 64 }), fc.boolean(), fc.nat(0xffffffff), (k, m, kx, seq) => {
    const flags = F.EXTENDED_SESSIONSECURITY | (kx ? F.KEY_EXCH : 0)
    assert.equal(serverMac(Buffer.from(k), flags, Buffer.from(m), seq).toString('hex'), expectedMac(Buffer.from(k), kx, Buffer.from(m), seq).toString('hex'))
  }), { numRuns: 200 })
})

test('fuzz: parseAuthenticate/parseNegotiate never throw on garbage or truncations', () => {
  const { message } = authenticateMessage({ ...NLMP })
  for (let i = 0; i <= message.length; i++) {
    const r = parseAuthenticate(message.subarray(0, i))
    if (r) assert.ok(r.ntResponse.length <= i)
  }
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(message.length), (bytes, cut) => {
      const garbage = Buffer.from(bytes)
      parseAuthenticate(garbage)
      parseNegotiate(garbage)
      // valid header, random body: offsets point anywhere
      const mixed = Buffer.concat([message.subarray(0, Math.min(cut, 72)), garbage])
      const a = parseAuthenticate(mixed)
      if (a) assert.ok(a.user.length <= 256 && a.ntResponse.length <= mixed.length)
      parseNegotiate(Buffer.concat([negotiateMessage().subarray(0, 12), garbage]))
    }),
    { numRuns: 3000 },
  )
})

interface Fixture { client: string; user: string; domain: string; password: string; server_challenge: string; authenticate: string }

test('golden: AUTHENTICATE messages captured from real clients recompute from their passwords', async () => {
  const { readFile } = await import('node:fs/promises')
  const fixtures = JSON.parse(await readFile(new URL('../../../test/fixtures/ntlm-authenticate.json', import.meta.url), 'utf8')) as Fixture[]
  assert.ok(fixtures.length >= 2)
  for (const f of fixtures) {
    const msg = Buffer.from(f.authenticate, 'hex')
    const challenge = Buffer.from(f.server_challenge, 'hex')
    const auth = parseAuthenticate(msg)
    assert.ok(auth, f.client)
    assert.deepEqual([auth.user, auth.domain], [f.user, f.domain], f.client)
    assert.ok(verifyNtlmV2(auth, challenge, f.password), f.client)
    const hc = hashcatLine(auth, challenge)
    assert.equal(hc?.secretKind, 'ntlmssp_v2')
    const [user, , domain, chal, proof, blob] = (hc?.line ?? '').split(':')
    const again = createHmac('md5', ntowfv2(f.password, user as string, domain as string)).update(Buffer.from(chal as string, 'hex')).update(Buffer.from(blob as string, 'hex')).digest('hex')
    assert.equal(again, proof, f.client)
    // every truncation of a real message is handled
    for (let i = 0; i < msg.length; i++) parseAuthenticate(msg.subarray(0, i))
  }
})
