// The tftp emulator against a small RFC 1350/2347 client on a dgram socket
// from 127.0.0.3: RRQ with blksize/tsize (OACK), WRQ into quarantine (sha256
// equal), the error packets tftpd-hpa sends.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { createSocket, type Socket } from 'node:dgram'
import { startEmulator } from '../../../test/helpers/emulator.js'

const FROM = '127.0.0.3'

class Udp {
  queue: Buffer[] = []
  waiters: (() => void)[] = []
  peerPort = 0
  constructor(readonly s: Socket, readonly host: string, readonly port: number) {
    s.on('message', (m: Buffer, r) => {
      this.peerPort = r.port
      this.queue.push(m)
      for (const w of this.waiters.splice(0)) w()
    })
  }
  static async open(host: string, port: number): Promise<Udp> {
    const s = createSocket('udp4')
    await new Promise<void>((r) => s.bind(0, FROM, () => r()))
    return new Udp(s, host, port)
  }
  send(b: Buffer): void {
    this.s.send(b, this.peerPort || this.port, this.host)
  }
  async recv(ms = 3000): Promise<Buffer> {
    const deadline = Date.now() + ms
    while (this.queue.length === 0) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error('no datagram')
      await new Promise<void>((r) => {
        const t = setTimeout(r, left)
        this.waiters.push(() => (clearTimeout(t), r()))
      })
    }
    return this.queue.shift() as Buffer
  }
  close(): void {
    this.s.close()
  }
}

const req = (op: number, name: string, mode: string, opts: Record<string, string> = {}) =>
  Buffer.concat([Buffer.from([0, op]), Buffer.from(`${name}\0${mode}\0${Object.entries(opts).map(([k, v]) => `${k}\0${v}\0`).join('')}`)])
const ack = (n: number) => Buffer.from([0, 4, n >> 8, n & 0xff])
const data = (n: number, b: Buffer) => Buffer.concat([Buffer.from([0, 3, n >> 8, n & 0xff]), b])

function parseOack(b: Buffer): Record<string, string> {
  assert.equal(b.readUInt16BE(0), 6, `expected OACK, got opcode ${b.readUInt16BE(0)}`)
  const parts = b.subarray(2).toString('latin1').split('\0')
  const out: Record<string, string> = {}
  for (let i = 0; i + 1 < parts.length; i += 2) out[parts[i] as string] = parts[i + 1] as string
  return out
}

test('tftp: RRQ startup-config with blksize and tsize gets an OACK, then the seeded config in 1024-byte blocks', async (t) => {
  const h = await startEmulator(t, 'tftp')
  const c = await Udp.open(h.host, h.port(69))
  t.after(() => c.close())
  c.send(req(1, 'startup-config', 'octet', { blksize: '1024', tsize: '0' }))
  const oack = parseOack(await c.recv())
  assert.equal(oack.blksize, '1024')
  const size = Number(oack.tsize)
  assert.ok(size > 1024, `tsize ${size}`)
  c.send(ack(0))
  const parts: Buffer[] = []
  for (let n = 1; ; n++) {
    const p = await c.recv()
    assert.equal(p.readUInt16BE(0), 3)
    assert.equal(p.readUInt16BE(2), n)
    parts.push(p.subarray(4))
    c.send(ack(n))
    if (p.length - 4 < 1024) break
  }
  const file = Buffer.concat(parts)
  assert.equal(file.length, size)
  const text = file.toString()
  assert.match(text, /^hostname [A-Z0-9]+-RTR-\d\d$/m)
  assert.match(text, /^enable secret 8 \$8\$[./0-9A-Za-z]{14}\$[./0-9A-Za-z]{43}$/m)
  const e = await h.sink.next('tftp_request')
  assert.deepEqual([e.fields.src_ip, e.fields.op, e.fields.filename, e.fields.mode], [FROM, 'RRQ', 'startup-config', 'octet'])
  assert.deepEqual(JSON.parse(String(e.fields.options)), { blksize: '1024', tsize: '0' })
  const done = await h.sink.next('tftp_transfer')
  assert.equal(done.fields.complete, 'true')
})

test('tftp: WRQ upload lands in quarantine with the same sha256; error packets for unknown files, traversal and bad opcodes', async (t) => {
  const h = await startEmulator(t, 'tftp')
  const c = await Udp.open(h.host, h.port(69))
  t.after(() => c.close())
  const payload = randomBytes(512 * 3 + 100)
  c.send(req(2, 'mirai.arm7', 'octet'))
  let p = await c.recv()
  assert.deepEqual([...p], [0, 4, 0, 0])
  for (let n = 1; n <= 4; n++) {
    c.send(data(n, payload.subarray((n - 1) * 512, n * 512)))
    p = await c.recv()
    assert.deepEqual([...p], [...ack(n)])
  }
  const art = await h.sink.next('artifact')
  assert.equal(art.fields.sha256, createHash('sha256').update(payload).digest('hex'))
  assert.equal(art.fields.src_ip, FROM)
  assert.equal(art.fields.tftp_filename, 'mirai.arm7')
  assert.equal(art.fields.via, 'tftp')

  const errOf = (b: Buffer) => [b.readUInt16BE(0), b.readUInt16BE(2), b.subarray(4, b.length - 1).toString()]
  const d = await Udp.open(h.host, h.port(69))
  t.after(() => d.close())
  d.send(req(1, 'nosuch.cfg', 'octet'))
  assert.deepEqual(errOf(await d.recv()), [5, 1, 'File not found'])
  const e2 = await Udp.open(h.host, h.port(69))
  t.after(() => e2.close())
  e2.send(req(1, '../etc/passwd', 'octet'))
  assert.deepEqual(errOf(await e2.recv()), [5, 2, 'Access violation'])
  const e3 = await Udp.open(h.host, h.port(69))
  t.after(() => e3.close())
  e3.send(Buffer.from([0, 9, 1, 2, 3, 4]))
  assert.deepEqual(errOf(await e3.recv()), [5, 4, 'Illegal TFTP operation'])
  const e4 = await Udp.open(h.host, h.port(69))
  t.after(() => e4.close())
  e4.send(req(1, 'startup-config', 'octet', { blksize: 'huge' }))
  assert.deepEqual(errOf(await e4.recv()), [5, 8, 'Failure to negotiate RFC2347 options'])
  const reqs = h.sink.ofType('tftp_request')
  assert.deepEqual(reqs.map((r) => r.fields.result), ['ok', 'not_found', 'access_violation', 'option_refused'])
  assert.ok(reqs.every((r) => r.fields.src_ip === FROM))
})

test('tftp: a lost DATA block is retransmitted, and abandoned after max_retries', async (t) => {
  const h = await startEmulator(t, 'tftp', { max_retries: 2 })
  const c = await Udp.open(h.host, h.port(69))
  t.after(() => c.close())
  c.send(req(1, 'running-config', 'netascii', { timeout: '1' }))
  assert.equal(parseOack(await c.recv()).timeout, '1')
  c.send(ack(0))
  const first = await c.recv()
  const again = await c.recv(2500)
  assert.ok(first.equals(again), 'block 1 sent again after the timeout')
  await c.recv(2500)
  const done = await h.sink.next('tftp_transfer', () => true, 4000)
  assert.equal(done.fields.complete, 'false')
  assert.equal(done.fields.reason, 'timeout')
})
