import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type AddressInfo } from 'node:net'
import nodemailer from 'nodemailer'
import { startEmulator } from '../../../test/helpers/emulator.js'
import { RelayBudget } from '../smtp/relay.js'

interface Received { from: string; to: string[]; data: Buffer }

/** A loopback SMTP server standing in for the operator's upstream relay: records connections and messages. */
async function fakeUpstream(t: TestContext) {
  const got = { connections: 0, messages: [] as Received[], auth: [] as string[] }
  const srv = createServer((sock) => {
    got.connections++
    let buf = Buffer.alloc(0)
    let inData = false
    let cur: Received = { from: '', to: [], data: Buffer.alloc(0) }
    sock.write('220 upstream.test ESMTP\r\n')
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n')
          if (end < 0) return
          cur.data = Buffer.from(buf.subarray(0, end + 2).toString('latin1').replace(/(^|\n)\.\./g, '$1.'), 'latin1')
          got.messages.push(cur)
          cur = { from: '', to: [], data: Buffer.alloc(0) }
          buf = buf.subarray(end + 5)
          inData = false
          sock.write('250 2.0.0 Ok: queued as UPSTREAM1\r\n')
          continue
        }
        const nl = buf.indexOf('\r\n')
        if (nl < 0) return
        const line = buf.subarray(0, nl).toString()
        buf = buf.subarray(nl + 2)
        const verb = line.split(' ')[0]?.toUpperCase()
        if (verb === 'EHLO') sock.write('250-upstream.test\r\n250 AUTH PLAIN\r\n')
        else if (verb === 'AUTH') { got.auth.push(line); sock.write('235 2.7.0 Authentication successful\r\n') }
        else if (verb === 'MAIL') { cur.from = /<(.*)>/.exec(line)?.[1] ?? ''; sock.write('250 2.1.0 Ok\r\n') }
        else if (verb === 'RCPT') { cur.to.push(/<(.*)>/.exec(line)?.[1] ?? ''); sock.write('250 2.1.5 Ok\r\n') }
        else if (verb === 'DATA') { inData = true; sock.write('354 go\r\n') }
        else if (verb === 'QUIT') { sock.end('221 2.0.0 Bye\r\n') }
        else sock.write('502 5.5.2 no\r\n')
      }
    })
    sock.on('error', () => {})
  })
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  t.after(() => new Promise<void>((r) => srv.close(() => r())))
  return { port: (srv.address() as AddressInfo).port, got }
}

const send = async (host: string, port: number, client: string, to: string[], raw: string) => {
  const tr = nodemailer.createTransport({ host, port, localAddress: client, ignoreTLS: true })
  try {
    return await tr.sendMail({ envelope: { from: 'spammer@bulk.example', to }, raw })
  } finally {
    tr.close()
  }
}

test('smtp_relay accepts any recipient and delivers nothing without an upstream: a loopback server gets no connection', async (t) => {
  const up = await fakeUpstream(t)
  const h = await startEmulator(t, 'smtp_relay')
  const info = await send(h.host, h.port(25), h.client, ['victim1@gmail.example', 'victim2@yahoo.example'], 'Subject: test\r\n\r\nrelay probe\r\n')
  assert.match(info.response, /^250 2\.0\.0 Ok: queued as /)
  assert.deepEqual(info.accepted, ['victim1@gmail.example', 'victim2@yahoo.example'])
  const d = await h.sink.next('relay_decision')
  assert.deepEqual([d.fields.decision, d.fields.reason, d.fields.src_ip], ['withheld', 'no_upstream', h.client])
  const art = await h.sink.next('artifact')
  assert.deepEqual(JSON.parse(art.fields.rcpt_to ?? ''), ['victim1@gmail.example', 'victim2@yahoo.example'])
  await new Promise((r) => setTimeout(r, 200))
  assert.equal(up.got.connections, 0)
})

test('smtp_relay with an operator upstream: at most probe_limit per source per hour are forwarded (exact bytes), every decision logged', async (t) => {
  const up = await fakeUpstream(t)
  const h = await startEmulator(t, 'smtp_relay', {
    upstream_host: '127.0.0.1', upstream_port: up.port, upstream_user: 'relayuser', upstream_pass: 'relaypass', upstream_sender: 'probe@operator.example', probe_limit: 2,
  })
  const raws = [1, 2, 3].map((i) => `Subject: probe ${i}\r\n\r\n.dot line ${i}\r\n`)
  for (const raw of raws) await send(h.host, h.port(25), h.client, ['a@gmail.example', 'b@gmail.example', 'c@gmail.example', 'd@gmail.example'], raw)
  const deadline = Date.now() + 5000
  while (h.sink.ofType('relay_decision').length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  const ds = h.sink.ofType('relay_decision')
  assert.deepEqual(ds.map((d) => `${d.fields.decision}/${d.fields.reason}`).sort(), ['forwarded/within_budget', 'forwarded/within_budget', 'withheld/budget_exhausted'])
  assert.ok(ds.every((d) => d.fields.src_ip === h.client && d.fields.budget === '2'))
  assert.equal(up.got.messages.length, 2)
  for (const [i, m] of up.got.messages.entries()) {
    assert.equal(m.from, 'probe@operator.example')
    assert.deepEqual(m.to, ['a@gmail.example', 'b@gmail.example', 'c@gmail.example'])
    assert.equal(m.data.toString(), raws[i])
  }
  assert.equal(up.got.connections, 2)
  assert.deepEqual(up.got.auth, Array(2).fill(`AUTH PLAIN ${Buffer.from('\0relayuser\0relaypass').toString('base64')}`))
})

test('RelayBudget: a sliding hour per source', () => {
  let now = 0
  const b = new RelayBudget(2, 3_600_000, () => now)
  assert.equal(b.take('1.2.3.4'), true)
  assert.equal(b.take('1.2.3.4'), true)
  assert.equal(b.take('1.2.3.4'), false)
  assert.equal(b.take('5.6.7.8'), true)
  now = 3_600_001
  assert.equal(b.take('1.2.3.4'), true)
  assert.equal(new RelayBudget(0).take('x'), false)
})
