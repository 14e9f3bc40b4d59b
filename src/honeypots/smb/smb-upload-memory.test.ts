// SMB uploads against hostile writes: sparse writes cost what they carry, the
// process memory budget refuses one session (STATUS_DISK_FULL) while another
// goes on, and an over-cap upload is truncated in the event and the store row.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { startEmulator } from '../../../test/helpers/emulator.js'
import { authenticateMessage, negotiateMessage, readChallenge } from '../../../test/helpers/ntlm-client.js'
import { explicit, octets, oid, seq, tlv } from '../shared/der.js'
import { findNtlmssp } from '../shared/ntlmssp.js'
import { NEG_STATE, OID, negTokenResp } from '../shared/spnego.js'
import { CMD, DIALECT, STATUS } from './constants.js'
import { deriveBatch } from '../../store/rules.js'
import { configureProcessMemoryBudget, DEFAULT_MEMORY_BUDGET_BYTES, processMemoryBudget } from '../../runtime/memory-budget.js'

const MiB = 1024 * 1024
const STATUS_DISK_FULL = 0xc000007f
const CONFIG = { users: 'alice:Secret123', shares: 'Finance' }
const DECKY = { decky: { hostname: 'FS-FIN-02', osFamily: 'windows_server' } }

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
      const s = connect(port, '127.0.0.1', () => resolve(new Client(s)))
      s.once('error', reject)
    })
  }
  async frame(): Promise<Buffer> {
    const deadline = Date.now() + 10_000
    while (this.#buf.length < 4 || this.#buf.length < 4 + this.#buf.readUIntBE(1, 3)) {
      if (Date.now() > deadline) throw new Error('timeout waiting for a frame')
      await new Promise<void>((r) => {
        this.#waiters.push(r)
        setTimeout(r, 200)
      })
    }
    const len = this.#buf.readUIntBE(1, 3)
    const f = this.#buf.subarray(4, 4 + len)
    this.#buf = this.#buf.subarray(4 + len)
    return f
  }
  async request(command: number, body: Buffer): Promise<{ status: number; body: Buffer; msg: Buffer }> {
    const h = Buffer.alloc(64)
    h.write('\xfeSMB', 0, 'latin1')
    h.writeUInt16LE(64, 4)
    h.writeUInt16LE(1, 6) // credit charge
    h.writeUInt16LE(command, 12)
    h.writeUInt16LE(64, 14)
    h.writeBigUInt64LE(this.msgId++, 24)
    h.writeUInt32LE(this.treeId, 36)
    h.writeBigUInt64LE(this.sessionId, 40)
    const payload = Buffer.concat([h, body])
    const n = Buffer.alloc(4)
    n.writeUIntBE(payload.length, 1, 3)
    this.sock.write(Buffer.concat([n, payload]))
    const msg = await this.frame()
    return { status: msg.readUInt32LE(8), body: msg.subarray(64), msg }
  }
  async sessionSetup(blob: Buffer) {
    const b = Buffer.alloc(24)
    b.writeUInt16LE(25, 0)
    b[3] = 1
    b.writeUInt16LE(64 + 24, 12)
    b.writeUInt16LE(blob.length, 14)
    const r = await this.request(CMD.SESSION_SETUP, Buffer.concat([b, blob]))
    this.sessionId = r.msg.readBigUInt64LE(40)
    return { ...r, blob: r.msg.subarray(r.body.readUInt16LE(4), r.body.readUInt16LE(4) + r.body.readUInt16LE(6)) }
  }
  /** NEGOTIATE, NTLMv2 logon as alice and TREE_CONNECT to Finance. */
  async ready(): Promise<void> {
    const neg = Buffer.alloc(38)
    neg.writeUInt16LE(36, 0)
    neg.writeUInt16LE(1, 2)
    neg.writeUInt16LE(1, 4)
    neg.writeUInt16LE(DIALECT.SMB210, 36)
    assert.equal((await this.request(CMD.NEGOTIATE, neg)).status, STATUS.SUCCESS)
    const init = tlv(0x60, oid(OID.SPNEGO), explicit(0, seq(explicit(0, seq(oid(OID.NTLMSSP))), explicit(2, octets(negotiateMessage())))))
    const r1 = await this.sessionSetup(init)
    const ch = readChallenge(r1.blob.subarray(findNtlmssp(r1.blob)))
    const { message } = authenticateMessage({ user: 'alice', domain: 'WORKGROUP', password: 'Secret123', serverChallenge: ch.challenge, targetInfo: ch.targetInfo, workstation: 'KALI' })
    assert.equal((await this.sessionSetup(negTokenResp({ state: NEG_STATE.ACCEPT_INCOMPLETE, responseToken: message }))).status, STATUS.SUCCESS)
    const p = Buffer.from('\\\\10.0.0.5\\Finance', 'utf16le')
    const t = Buffer.alloc(8)
    t.writeUInt16LE(9, 0)
    t.writeUInt16LE(64 + 8, 4)
    t.writeUInt16LE(p.length, 6)
    const r = await this.request(CMD.TREE_CONNECT, Buffer.concat([t, p]))
    assert.equal(r.status, STATUS.SUCCESS)
    this.treeId = r.msg.readUInt32LE(36)
  }
  /** CREATE a new file (FILE_CREATE, GENERIC_WRITE); returns its FileId. */
  async create(name: string): Promise<Buffer> {
    const n = Buffer.from(name, 'utf16le')
    const b = Buffer.alloc(56)
    b.writeUInt16LE(57, 0)
    b.writeUInt32LE(2, 4) // impersonation
    b.writeUInt32LE(0x40000000, 24) // GENERIC_WRITE
    b.writeUInt32LE(0x80, 28)
    b.writeUInt32LE(2, 36) // FILE_CREATE
    b.writeUInt32LE(0x40, 40) // FILE_NON_DIRECTORY_FILE
    b.writeUInt16LE(64 + 56, 44)
    b.writeUInt16LE(n.length, 46)
    const r = await this.request(CMD.CREATE, Buffer.concat([b, n]))
    assert.equal(r.status, STATUS.SUCCESS, `create ${name}: 0x${r.status.toString(16)}`)
    return Buffer.from(r.body.subarray(64, 80))
  }
  async write(id: Buffer, offset: number, data: Buffer): Promise<number> {
    const b = Buffer.alloc(48)
    b.writeUInt16LE(49, 0)
    b.writeUInt16LE(64 + 48, 2)
    b.writeUInt32LE(data.length, 4)
    b.writeBigUInt64LE(BigInt(offset), 8)
    id.copy(b, 16)
    return (await this.request(CMD.WRITE, Buffer.concat([b, data]))).status
  }
  async close(id: Buffer): Promise<number> {
    const b = Buffer.alloc(24)
    b.writeUInt16LE(24, 0)
    id.copy(b, 8)
    return (await this.request(CMD.CLOSE, b)).status
  }
  end(): Promise<void> {
    return new Promise((r) => {
      if (this.sock.destroyed) return r()
      this.sock.once('close', () => r())
      this.sock.destroy()
    })
  }
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

test('smb: 40 one-byte writes at offset 32 MiB−1 cost bytes, not 40 × 32 MiB; closing the connection gives them back', async (t) => {
  const budget = processMemoryBudget()
  const h = await startEmulator(t, 'smb', CONFIG, DECKY)
  const c = await Client.open(h.port(445))
  t.after(() => c.end())
  await c.ready()
  global.gc?.()
  const rss0 = process.memoryUsage().rss
  const before = budget.reserved
  for (let i = 0; i < 40; i++) {
    const id = await c.create(`sparse${i}.bin`)
    assert.equal(await c.write(id, 32 * MiB - 1, Buffer.from('Z')), STATUS.SUCCESS)
  }
  const grown = budget.reserved - before
  assert.ok(grown < 64 * 1024, `40 sparse writes reserved ${grown} bytes`)
  const rss = process.memoryUsage().rss - rss0
  assert.ok(rss < 256 * MiB, `RSS grew ${Math.round(rss / MiB)} MiB`)
  await c.end()
  await until(() => budget.reserved === before)
})

test('smb: a spent memory budget gets one session STATUS_DISK_FULL and resource_refused; another session still uploads', async (t) => {
  const budget = configureProcessMemoryBudget(2 * MiB)
  t.after(() => configureProcessMemoryBudget(DEFAULT_MEMORY_BUDGET_BYTES))
  const h = await startEmulator(t, 'smb', CONFIG, DECKY)
  const greedy = await Client.open(h.port(445))
  t.after(() => greedy.end())
  await greedy.ready()
  const big = await greedy.create('big.bin')
  const chunk = Buffer.alloc(60_000, 7)
  let status = STATUS.SUCCESS as number
  let written = 0
  for (let i = 0; i < 100 && status === STATUS.SUCCESS; i++) {
    status = await greedy.write(big, written, chunk)
    if (status === STATUS.SUCCESS) written += chunk.length
  }
  assert.equal(status, STATUS_DISK_FULL)
  assert.ok(written >= MiB && written <= 2 * MiB, `written ${written}`)
  const ev = await h.sink.next('resource_refused')
  assert.deepEqual([ev.fields.resource, ev.fields.what, ev.fields.path, ev.fields.limit], ['memory', 'smb_upload', 'big.bin', String(2 * MiB)])
  assert.ok(Number(ev.fields.requested) > 0)

  // the greedy session's open file holds most of the budget; a small upload elsewhere still fits
  const other = await Client.open(h.port(445))
  t.after(() => other.end())
  await other.ready()
  const small = await other.create('note.txt')
  assert.equal(await other.write(small, 0, Buffer.from('hello from another session')), STATUS.SUCCESS)
  assert.equal(await other.close(small), STATUS.SUCCESS)
  const art = await h.sink.next('artifact', (e) => e.fields.smb_path === 'note.txt')
  assert.deepEqual([art.fields.size, art.fields.truncated], ['26', 'false'])
  // the greedy file closes: its memory goes back once stored
  await greedy.close(big)
  await h.sink.next('artifact', (e) => e.fields.smb_path === 'big.bin')
  await until(() => budget.reserved === 0)
})

test('smb: an upload over the per-file cap is truncated=true in file_upload, the artifact event and the store row', async (t) => {
  const h = await startEmulator(t, 'smb', CONFIG, { ...DECKY, artifactCaps: { maxFileBytes: 64 * 1024, maxDeckyBytes: MiB } })
  const c = await Client.open(h.port(445))
  t.after(() => c.end())
  await c.ready()
  const id = await c.create('payload.exe')
  for (let i = 0; i < 5; i++) assert.equal(await c.write(id, i * 30_000, Buffer.alloc(30_000, i + 1)), STATUS.SUCCESS)
  assert.equal(await c.close(id), STATUS.SUCCESS)
  const up = await h.sink.next('file_upload')
  const art = await h.sink.next('artifact')
  assert.deepEqual([up.fields.truncated, art.fields.truncated, art.fields.size, art.fields.orig_size], ['true', 'true', String(64 * 1024), '150000'])
  const row = deriveBatch([{ ev: art }]).artifacts[0]
  assert.equal(row?.truncated, true)
  assert.equal(row?.size, 64 * 1024)
})
