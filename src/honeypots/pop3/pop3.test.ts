import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { connect, type Socket } from 'node:net'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'
import Pop3Command from 'node-pop3'
import { startEmulator } from '../../../test/helpers/emulator.js'
import { mailPersona } from '../shared/mail/persona.js'

/** A line-reading client over a socket. */
function lines(sock: Socket | TLSSocket) {
  let buf = ''
  const waiting: (() => void)[] = []
  const onData = (d: Buffer) => {
    buf += d.toString('latin1')
    waiting.splice(0).forEach((w) => w())
  }
  sock.on('data', onData)
  const until = async (pred: (b: string) => boolean): Promise<string> => {
    while (!pred(buf)) await new Promise<void>((r) => { waiting.push(r); sock.once('close', r) }).then(() => { if (sock.destroyed && !pred(buf)) throw new Error(`closed; got ${JSON.stringify(buf)}`) })
    const out = buf
    buf = ''
    return out
  }
  return {
    line: () => until((b) => b.includes('\r\n')),
    multi: () => until((b) => b.endsWith('\r\n.\r\n')),
    send: (s: string) => sock.write(`${s}\r\n`),
    detach: () => sock.off('data', onData),
  }
}

const open = (host: string, port: number, localAddress: string) =>
  new Promise<Socket>((res, rej) => { const s = connect({ host, port, localAddress }, () => res(s)); s.once('error', rej) })

test('node-pop3: bait login lists, reads a message; a failed login is captured with the exact secret', async (t) => {
  const h = await startEmulator(t, 'pop3', {}, { kernelSource: true, decky: { hostname: 'mx2.halvorsen.de' } })
  const p = mailPersona(h.ctx)
  assert.equal(p.domain, 'halvorsen.de')
  const pop = new Pop3Command({ host: h.host, port: h.port(110), user: p.account.user, password: p.account.password })
  const stat = await pop.STAT()
  assert.match(stat, new RegExp(`^${p.messages.length} \\d+$`))
  const list = await pop.UIDL()
  assert.equal(list.length, p.messages.length)
  const msg = await pop.RETR(1)
  assert.ok(msg.includes(`Subject: ${p.messages[0]?.subject}`))
  assert.ok(msg.includes(`@halvorsen.de`))
  await pop.QUIT()
  const ok = h.sink.events.find((e) => e.type === 'auth_attempt')
  assert.equal(ok?.fields.username, p.account.user)
  assert.equal(ok?.fields.secret_printable, p.account.password)
  assert.equal(ok?.fields.outcome, 'success')
  assert.equal(ok?.fields.src_ip, h.client)
  assert.ok(h.sink.events.some((e) => e.type === 'message_read' && e.fields.uid === '1'))

  const bad = new Pop3Command({ host: h.host, port: h.port(110), user: 'admin', password: 'Pa ss:w0rd!' })
  await assert.rejects(bad.STAT(), /Authentication failed/)
  const f = h.sink.events.filter((e) => e.type === 'auth_attempt').at(-1)
  assert.deepEqual([f?.fields.username, f?.fields.secret_printable, f?.fields.secret_b64, f?.fields.outcome, f?.fields.mechanism, f?.fields.src_ip],
    ['admin', 'Pa ss:w0rd!', Buffer.from('Pa ss:w0rd!').toString('base64'), 'failure', 'USER', h.client])
})

test('greeting, CAPA, APOP digest verifiable from the logged challenge, source address', async (t) => {
  const h = await startEmulator(t, 'pop3', {}, { decky: { hostname: 'mail01' } })
  const p = mailPersona(h.ctx)
  const s = await open(h.host, h.port(110), h.client)
  t.after(() => s.destroy())
  const c = lines(s)
  const greeting = await c.line()
  const m = /^\+OK Dovecot \(Debian\) ready\. (<[0-9a-f]+\.[0-9a-f]+\.[0-9a-f]+\.[A-Za-z0-9+/=]+@([^>]+)>)\r\n$/.exec(greeting)
  assert.ok(m, greeting)
  assert.equal(m[2], p.hostname)
  assert.doesNotMatch(greeting, /honeypot|decnet/i)
  c.send('CAPA')
  assert.equal(await c.multi(), '+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nSTLS\r\nUSER\r\nSASL PLAIN LOGIN\r\n.\r\n')
  const challenge = m[1] as string
  const digest = createHash('md5').update(`${challenge}wrong-password`).digest('hex')
  c.send(`APOP ${p.account.user} ${digest}`)
  assert.equal(await c.line(), '-ERR [AUTH] Authentication failed.\r\n')
  const e = h.sink.events.find((x) => x.type === 'auth_attempt')
  assert.equal(e?.fields.secret_kind, 'apop')
  assert.equal(e?.fields.challenge, challenge)
  assert.equal(e?.fields.secret_printable, digest)
  assert.equal(e?.fields.src_ip, h.client)
  // an offline check of a guess against the capture
  assert.equal(createHash('md5').update(`${e?.fields.challenge}wrong-password`).digest('hex'), e?.fields.secret_printable)
  c.send(`APOP ${p.account.user} ${createHash('md5').update(challenge + p.account.password).digest('hex')}`)
  assert.equal(await c.line(), '+OK Logged in.\r\n')
  c.send('TOP 1 0')
  assert.ok((await c.multi()).startsWith('+OK\r\nReturn-Path:'))
})

test('STLS discards pipelined plaintext; AUTH PLAIN over TLS; implicit TLS on 995', async (t) => {
  const h = await startEmulator(t, 'pop3')
  const p = mailPersona(h.ctx)
  const s = await open(h.host, h.port(110), h.client)
  t.after(() => s.destroy())
  const c = lines(s)
  await c.line()
  s.write('STLS\r\nUSER injected\r\n')
  assert.equal(await c.line(), '+OK Begin TLS negotiation now.\r\n')
  c.detach()
  const tls = tlsConnect({ socket: s, rejectUnauthorized: false })
  await new Promise((r) => tls.once('secureConnect', r))
  const ct = lines(tls)
  const plain = Buffer.from(`\0${p.account.user}\0${p.account.password}`).toString('base64')
  ct.send('AUTH PLAIN')
  assert.equal(await ct.line(), '+ \r\n')
  ct.send(plain)
  assert.equal(await ct.line(), '+OK Logged in.\r\n')
  const st = h.sink.events.find((e) => e.type === 'starttls')
  assert.equal(st?.fields.discarded, String('USER injected\r\n'.length))
  const a = h.sink.events.find((e) => e.type === 'auth_attempt')
  assert.deepEqual([a?.fields.mechanism, a?.fields.tls, a?.fields.outcome], ['PLAIN', 'true', 'success'])
  tls.destroy()

  const t2 = tlsConnect({ socket: await open(h.host, h.port(995), h.client), rejectUnauthorized: false })
  t.after(() => t2.destroy())
  const c2 = lines(t2)
  assert.match(await c2.line(), /^\+OK Dovecot \(Debian\) ready\. </)
  c2.send('AUTH LOGIN')
  assert.equal(await c2.line(), '+ VXNlcm5hbWU6\r\n')
  c2.send(Buffer.from('root').toString('base64'))
  assert.equal(await c2.line(), '+ UGFzc3dvcmQ6\r\n')
  c2.send(Buffer.from('toor').toString('base64'))
  assert.equal(await c2.line(), '-ERR [AUTH] Authentication failed.\r\n')
  const f = h.sink.events.filter((e) => e.type === 'auth_attempt').at(-1)
  assert.deepEqual([f?.fields.username, f?.fields.secret_printable, f?.fields.mechanism, f?.fields.src_ip], ['root', 'toor', 'LOGIN', h.client])
})

test('an over-long line is refused and the connection closed', async (t) => {
  const h = await startEmulator(t, 'pop3')
  const s = await open(h.host, h.port(110), h.client)
  t.after(() => s.destroy())
  const c = lines(s)
  await c.line()
  s.write(`USER ${'a'.repeat(100_000)}\r\n`)
  assert.equal(await c.line(), '-ERR Input buffer full, aborting\r\n')
  await new Promise((r) => s.once('close', r))
})
