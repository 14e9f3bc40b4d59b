// In-repo SMB2 client against the emulator: NEGOTIATE, SESSION_SETUP with a
// NetNTLMv2 computed from a known password, TREE_CONNECT; NBSS on 139; the
// SMB1 → SMB2 upgrade. The captured hashcat line must recompute.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { connect, type Socket } from 'node:net'
import { CLIENT_ADDRESS, startEmulator } from '../../../test/helpers/emulator.js'
import { explicit, octets, oid, seq, tlv } from '../shared/der.js'
import { authenticateMessage, negotiateMessage, readChallenge } from '../../../test/helpers/ntlm-client.js'
import { findNtlmssp, MSV_AV, ntowfv2 } from '../shared/ntlmssp.js'
import { NEG_STATE, OID, negTokenResp } from '../shared/spnego.js'
import { CMD, DIALECT, STATUS } from './constants.js'

class Client {
  #buf = Buffer.alloc(0)
  #waiters: (() => void)[] = []
  msgId = 0n
  sessionId = 0n
  treeId = 0
  constructor(readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d])
      for (const w of this.#waiters.splice(0)) w()
    })
  }
  static open(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1', localAddress: CLIENT_ADDRESS }, () => resolve(new Client(s)))
      s.once('error', reject)
    })
  }
  async frame(): Promise<{ type: number; payload: Buffer }> {
    const deadline = Date.now() + 5000
    while (this.#buf.length < 4 || this.#buf.length < 4 + this.#buf.readUIntBE(1, 3)) {
      if (Date.now() > deadline) throw new Error('timeout waiting for a frame')
      await new Promise<void>((r) => {
        this.#waiters.push(r)
        setTimeout(r, 200)
      })
    }
    const len = this.#buf.readUIntBE(1, 3)
    const f = { type: this.#buf[0] as number, payload: this.#buf.subarray(4, 4 + len) }
    this.#buf = this.#buf.subarray(4 + len)
    return f
  }
  sendFrame(payload: Buffer, type = 0): void {
    const h = Buffer.alloc(4)
    h[0] = type
    h.writeUIntBE(payload.length, 1, 3)
    this.sock.write(Buffer.concat([h, payload]))
  }
  async request(command: number, body: Buffer): Promise<{ status: number; body: Buffer; msg: Buffer }> {
    const h = Buffer.alloc(64)
    h.write('\xfeSMB', 0, 'latin1')
    h.writeUInt16LE(64, 4)
    h.writeUInt16LE(command, 12)
    h.writeUInt16LE(31, 14)
    h.writeBigUInt64LE(this.msgId++, 24)
    h.writeUInt32LE(this.treeId, 36)
    h.writeBigUInt64LE(this.sessionId, 40)
    this.sendFrame(Buffer.concat([h, body]))
    const { payload } = await this.frame()
    return { status: payload.readUInt32LE(8), body: payload.subarray(64), msg: payload }
  }
  negotiate(dialects: number[]) {
    const b = Buffer.alloc(36 + dialects.length * 2)
    b.writeUInt16LE(36, 0)
    b.writeUInt16LE(dialects.length, 2)
    b.writeUInt16LE(1, 4)
    dialects.forEach((d, i) => b.writeUInt16LE(d, 36 + i * 2))
    return this.request(CMD.NEGOTIATE, b)
  }
  async sessionSetup(blob: Buffer) {
    const b = Buffer.alloc(24)
    b.writeUInt16LE(25, 0)
    b[3] = 1
    b.writeUInt16LE(64 + 24, 12)
    b.writeUInt16LE(blob.length, 14)
    const r = await this.request(CMD.SESSION_SETUP, Buffer.concat([b, blob]))
    this.sessionId = r.msg.readBigUInt64LE(40)
    const off = r.body.readUInt16LE(4)
    const len = r.body.readUInt16LE(6)
    return { ...r, blob: r.msg.subarray(off, off + len) }
  }
  async treeConnect(path: string) {
    const p = Buffer.from(path, 'utf16le')
    const b = Buffer.alloc(8)
    b.writeUInt16LE(9, 0)
    b.writeUInt16LE(64 + 8, 4)
    b.writeUInt16LE(p.length, 6)
    const r = await this.request(CMD.TREE_CONNECT, Buffer.concat([b, p]))
    this.treeId = r.msg.readUInt32LE(36)
    return r
  }
  /** Full NTLMv2 logon; returns the final status and the server challenge. */
  async login(user: string, domain: string, password: string) {
    const init = tlv(0x60, oid(OID.SPNEGO), explicit(0, seq(explicit(0, seq(oid(OID.NTLMSSP))), explicit(2, octets(negotiateMessage())))))
    const r1 = await this.sessionSetup(init)
    assert.equal(r1.status, STATUS.MORE_PROCESSING_REQUIRED)
    const ch = readChallenge(r1.blob.subarray(findNtlmssp(r1.blob)))
    const { message } = authenticateMessage({ user, domain, password, serverChallenge: ch.challenge, targetInfo: ch.targetInfo, workstation: 'KALI' })
    const r2 = await this.sessionSetup(negTokenResp({ state: NEG_STATE.ACCEPT_INCOMPLETE, responseToken: message }))
    return { status: r2.status, challenge: ch, blob: r2.blob }
  }
}

const DECKY = { hostname: 'FS-FIN-02', osFamily: 'windows_server' }

test('smb: NTLMv2 logon with a wrong account is captured as a hashcat line that recomputes; LOGON_FAILURE', async (t) => {
  const h = await startEmulator(t, 'smb', { domain: 'corp.local' }, { decky: DECKY })
  const c = await Client.open(h.port(445))
  t.after(() => c.sock.destroy())
  const neg = await c.negotiate([DIALECT.SMB202, DIALECT.SMB210, DIALECT.SMB300, DIALECT.SMB302])
  assert.equal(neg.status, STATUS.SUCCESS)
  assert.equal(neg.body.readUInt16LE(4), DIALECT.SMB302)
  assert.equal(neg.body.readUInt16LE(2), 1) // signing enabled, not required
  const { status, challenge } = await c.login('jdoe', 'CORP', 'Winter2025!')
  assert.equal(status, STATUS.LOGON_FAILURE)
  assert.equal(challenge.targetName, 'CORP')
  assert.equal(challenge.avPairs.get(MSV_AV.DNS_COMPUTER_NAME)?.toString('utf16le'), 'fs-fin-02.corp.local')
  const ev = await h.sink.next('auth_attempt')
  assert.deepEqual([ev.fields.username, ev.fields.domain, ev.fields.principal, ev.fields.secret_kind, ev.fields.src_ip, ev.fields.result],
    ['jdoe', 'CORP', 'CORP\\jdoe', 'ntlmssp_v2', CLIENT_ADDRESS, 'failure'])
  const line = Buffer.from(ev.fields.secret_b64 as string, 'base64').toString()
  const [user, , domain, chal, proof, blob] = line.split(':')
  assert.equal(chal, challenge.challenge.toString('hex'))
  const again = createHmac('md5', ntowfv2('Winter2025!', user as string, domain as string))
    .update(Buffer.from(chal as string, 'hex')).update(Buffer.from(blob as string, 'hex')).digest('hex')
  assert.equal(again, proof)

  // a second connection gets a different challenge
  const c2 = await Client.open(h.port(445))
  t.after(() => c2.sock.destroy())
  await c2.negotiate([DIALECT.SMB210])
  const second = await c2.login('jdoe', 'CORP', 'x')
  assert.notEqual(second.challenge.challenge.toString('hex'), challenge.challenge.toString('hex'))
})

test('smb: a bait account logs on (signed, mechListMIC) and reaches its share but not ADMIN$', async (t) => {
  const h = await startEmulator(t, 'smb', { users: 'alice:Secret123', shares: 'Finance' }, { decky: DECKY })
  const c = await Client.open(h.port(445))
  t.after(() => c.sock.destroy())
  await c.negotiate([DIALECT.SMB210])
  const { status, blob } = await c.login('alice', 'WORKGROUP', 'Secret123')
  assert.equal(status, STATUS.SUCCESS)
  assert.equal(blob.subarray(0, 9).toString('hex').slice(0, 2), 'a1')
  const ok = await c.treeConnect('\\\\10.0.0.5\\Finance')
  assert.equal(ok.status, STATUS.SUCCESS)
  const denied = await c.treeConnect('\\\\10.0.0.5\\ADMIN$')
  assert.equal(denied.status, STATUS.ACCESS_DENIED)
  const missing = await c.treeConnect('\\\\10.0.0.5\\Nope')
  assert.equal(missing.status, STATUS.BAD_NETWORK_NAME)
  const ev = await h.sink.next('tree_connect', (e) => e.fields.share === 'Finance')
  assert.equal(ev.fields.user, 'alice')
  assert.equal((await h.sink.next('auth_attempt')).fields.result, 'success')
})

test('smb: port 139 answers a NetBIOS SESSION REQUEST with a positive response', async (t) => {
  const h = await startEmulator(t, 'smb', {}, { decky: DECKY })
  const c = await Client.open(h.port(139))
  t.after(() => c.sock.destroy())
  const name = (n: string) => Buffer.concat([Buffer.from([0x20]), Buffer.from([...n.padEnd(16, ' ')].flatMap((ch) => [0x41 + (ch.charCodeAt(0) >> 4), 0x41 + (ch.charCodeAt(0) & 15)])), Buffer.from([0])])
  c.sendFrame(Buffer.concat([name('FS-FIN-02'), name('KALI')]), 0x81)
  const f = await c.frame()
  assert.deepEqual([f.type, f.payload.length], [0x82, 0])
  const ev = await h.sink.next('netbios_session')
  assert.deepEqual([ev.fields.called, ev.fields.calling], ['FS-FIN-02', 'KALI'])
  const neg = await c.negotiate([DIALECT.SMB311])
  assert.equal(neg.status, STATUS.SUCCESS)
})

test('smb: SMB1 negotiate offering SMB 2.??? moves to SMB2 (dialect 0x02FF); SMB1-only is dropped', async (t) => {
  const h = await startEmulator(t, 'smb', { os_version: '10.0.17763' }, { decky: DECKY })
  const smb1 = (dialects: string[]) => {
    const names = Buffer.concat(dialects.map((d) => Buffer.from(`\x02${d}\0`, 'latin1')))
    const hdr = Buffer.alloc(35)
    hdr.write('\xffSMB', 0, 'latin1')
    hdr[4] = 0x72
    hdr.writeUInt16LE(names.length, 33)
    return Buffer.concat([hdr, names])
  }
  const c = await Client.open(h.port(445))
  t.after(() => c.sock.destroy())
  c.sendFrame(smb1(['NT LM 0.12', 'SMB 2.002', 'SMB 2.???']))
  const { payload } = await c.frame()
  assert.equal(payload.subarray(0, 4).toString('latin1'), '\xfeSMB')
  assert.equal(payload.readUInt16LE(64 + 4), DIALECT.WILDCARD)
  c.msgId = 1n
  const neg = await c.negotiate([DIALECT.SMB210, DIALECT.SMB302])
  assert.equal(neg.body.readUInt16LE(4), DIALECT.SMB302)

  const old = await Client.open(h.port(445))
  t.after(() => old.sock.destroy())
  const closed = new Promise<void>((r) => old.sock.once('close', () => r()))
  old.sendFrame(smb1(['NT LM 0.12']))
  await closed
  const ev = await h.sink.next('negotiate', (e) => e.fields.result === 'refused')
  assert.equal(ev.fields.smb1, 'true')
})

test('smb: a Server 2016 persona still answers SMB1 NT LM 0.12 (nmap -sV signature), later builds drop it', async (t) => {
  const h = await startEmulator(t, 'smb', { os_version: '10.0.14393', domain: 'corp.local' }, { decky: DECKY })
  // nmap's SMBProgNeg probe (nmap-service-probes), minus its NBSS header
  const probe = Buffer.from('ff534d4272000000000801400000000000000000000000000000400600000100' + '00' + '8100' +
    Buffer.from('\x02PC NETWORK PROGRAM 1.0\0\x02MICROSOFT NETWORKS 1.03\0\x02MICROSOFT NETWORKS 3.0\0\x02LANMAN1.0\0\x02LM1.2X002\0\x02Samba\0\x02NT LANMAN 1.0\0\x02NT LM 0.12\0', 'latin1').toString('hex'), 'hex')
  const c = await Client.open(h.port(445))
  t.after(() => c.sock.destroy())
  c.sendFrame(probe)
  const { payload } = await c.frame()
  const framed = Buffer.concat([Buffer.from([0, 0, 0, payload.length]), payload])
  // nmap: match microsoft-ds m|^\0\0\0.\xffSMBr\0\0\0\0\x88\x01@\0{14}@\x06\0\0\x01\0\x11\x07\0.2\0\x01\0\x04\x11\0\0\0\0\x01\0\0\0\0\0\xfc\xe3\x01\0.{21}(.*)\0\0(.*)\0\0|s p/Microsoft Windows 7 - 10 microsoft-ds/
  const re = /^\0\0\0.\xffSMBr\0\0\0\0\x88\x01@\0{14}@\x06\0\0\x01\0\x11\x07\0.2\0\x01\0\x04\x11\0\0\0\0\x01\0\0\0\0\0\xfc\xe3\x01\0[\s\S]{21}/
  assert.match(framed.toString('latin1'), re)
  assert.ok(payload.includes(Buffer.from('CORP\0', 'utf16le')))
  assert.ok(payload.includes(Buffer.from('FS-FIN-02\0', 'utf16le')))
})
