import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, createHmac } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { type Socket } from 'node:net'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'
import nodemailer from 'nodemailer'
import { startEmulator } from '../../../test/helpers/emulator.js'
import { mailPersona } from '../shared/mail/persona.js'
import { parseMessage } from './mime.js'
import { openFrom, textClient } from '../../../test/helpers/text-client.js'

const closed = (s: Socket | TLSSocket) => new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r())))

/** A raw message with a dot-leading line and a base64 attachment. */
function rawMessage(to: string, attachment: Buffer): Buffer {
  const b64 = attachment.toString('base64').replace(/.{76}/g, '$&\r\n')
  return Buffer.from(
    'From: Mallory <mallory@attacker.example>\r\n' +
    `To: <${to}>\r\n` +
    'Subject: =?UTF-8?B?SW52b2ljZSDinJM=?=\r\n' +
    'Message-ID: <1234@attacker.example>\r\n' +
    'MIME-Version: 1.0\r\n' +
    'Content-Type: multipart/mixed; boundary="XYZ"\r\n\r\n' +
    '--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease pay.\r\n.hidden line\r\n..two dots\r\n\r\n' +
    `--XYZ\r\nContent-Type: application/octet-stream; name="inv.zip"\r\nContent-Disposition: attachment; filename="invoice 2024.zip"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}\r\n` +
    '--XYZ--\r\n',
  )
}

test('nodemailer: a raw message to a local recipient is stored whole (sha256 of the bytes sent), attachment separately, envelope in the event', async (t) => {
  const h = await startEmulator(t, 'smtp', {}, { decky: { hostname: 'mx1.halvorsen.de' } })
  const p = mailPersona(h.ctx)
  assert.equal(p.domain, 'halvorsen.de')
  const attachment = Buffer.from(Array.from({ length: 3000 }, (_, i) => i & 255))
  const to = `billing@${p.domain}`
  const raw = rawMessage(to, attachment)
  const tr = nodemailer.createTransport({ host: h.host, port: h.port(25), localAddress: h.client, ignoreTLS: true, name: 'client.attacker.example' })
  const info = await tr.sendMail({ envelope: { from: 'mallory@attacker.example', to: [to] }, raw })
  assert.match(info.response, /^250 2\.0\.0 Ok: queued as [0-9A-F]{10,12}$/)
  const art = await h.sink.next('artifact', (e) => e.fields.via === 'smtp')
  assert.equal(art.fields.sha256, createHash('sha256').update(raw).digest('hex'))
  assert.equal(art.fields.size, String(raw.length))
  assert.equal(art.fields.truncated, 'false')
  assert.equal(art.fields.src_ip, h.client)
  assert.equal(art.fields.helo, 'client.attacker.example')
  assert.equal(art.fields.mail_from, 'mallory@attacker.example')
  assert.deepEqual(JSON.parse(art.fields.rcpt_to ?? ''), [to])
  assert.equal(art.fields.tls, 'false')
  assert.equal(art.fields.queue_id, info.response.split(' ').at(-1))
  assert.ok((await readFile(art.fields.path ?? '')).equals(raw))
  const att = await h.sink.next('artifact', (e) => e.fields.via === 'smtp_attachment')
  assert.equal(att.fields.sha256, createHash('sha256').update(attachment).digest('hex'))
  assert.equal(att.fields.name, 'invoice 2024.zip')
  const acc = await h.sink.next('message_accepted')
  assert.deepEqual([acc.fields.subject, acc.fields.attachment_count, acc.fields.outcome, acc.fields.src_ip], ['Invoice ✓', '1', 'queued', h.client])
  tr.close()
})

test('nodemailer over STARTTLS: AUTH LOGIN failure captured exactly; bait login relays (stored, never delivered)', async (t) => {
  const h = await startEmulator(t, 'smtp')
  const p = mailPersona(h.ctx)
  const mk = (user: string, pass: string) => nodemailer.createTransport({
    host: h.host, port: h.port(25), localAddress: h.client, requireTLS: true, tls: { rejectUnauthorized: false }, auth: { user, pass }, authMethod: 'LOGIN',
  })
  const bad = mk('postmaster', 'Pa ss:w0rd!')
  await assert.rejects(bad.sendMail({ envelope: { from: 'a@b.example', to: ['x@y.example'] }, raw: 'Subject: x\r\n\r\nx\r\n' }), /535 5\.7\.8 Error: authentication failed: UGFzc3dvcmQ6/)
  bad.close()
  const f = h.sink.ofType('auth_attempt')[0]
  assert.deepEqual([f?.fields.username, f?.fields.secret_printable, f?.fields.secret_b64, f?.fields.mechanism, f?.fields.outcome, f?.fields.tls, f?.fields.src_ip, f?.fields.secret_kind],
    ['postmaster', 'Pa ss:w0rd!', Buffer.from('Pa ss:w0rd!').toString('base64'), 'LOGIN', 'failure', 'true', h.client, 'plaintext'])
  assert.ok(h.sink.events.some((e) => e.type === 'tls_handshake' && e.fields.src_ip === h.client))

  const good = mk(p.account.user, p.account.password)
  const raw = Buffer.from('From: j <j@x>\r\nSubject: relay test\r\n\r\nhello\r\n')
  const info = await good.sendMail({ envelope: { from: p.account.address, to: ['victim@gmail.example'] }, raw })
  assert.match(info.response, /^250 2\.0\.0 Ok: queued as /)
  good.close()
  const ok = h.sink.ofType('auth_attempt').find((e) => e.fields.outcome === 'success')
  assert.equal(ok?.fields.username, p.account.user)
  const art = await h.sink.next('artifact', (e) => e.fields.via === 'smtp')
  assert.deepEqual([art.fields.auth_user, art.fields.tls, art.fields.sha256], [p.account.user, 'true', createHash('sha256').update(raw).digest('hex')])
})

test('relay denied for a foreign recipient on smtp, with Postfix\'s reply and codes', async (t) => {
  const h = await startEmulator(t, 'smtp', {}, { decky: { hostname: 'mail.example.org' } })
  const tr = nodemailer.createTransport({ host: h.host, port: h.port(25), localAddress: h.client, ignoreTLS: true })
  await assert.rejects(tr.sendMail({ envelope: { from: 'spam@bulk.example', to: ['someone@gmail.example'] }, raw: 'Subject: x\r\n\r\nx\r\n' }), /554 5\.7\.1 <someone@gmail\.example>: Relay access denied/)
  tr.close()
  const d = h.sink.ofType('rcpt_to')[0]
  assert.deepEqual([d?.fields.address, d?.fields.outcome, d?.fields.src_ip], ['someone@gmail.example', 'relay_denied', h.client])
  assert.equal(h.sink.ofType('artifact').length, 0)

  const s = await openFrom(h.host, h.port(25), h.client)
  t.after(() => s.destroy())
  const c = textClient(s)
  assert.equal(await c.reply(), '220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n')
  c.send('EHLO probe')
  assert.equal(await c.reply(), '250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n')
  c.send('HELO probe')
  assert.equal(await c.reply(), '250 mail.example.org\r\n')
  for (const [cmd, want] of [
    ['DATA', '503 5.5.1 Error: need RCPT command'],
    ['RCPT TO:<a@example.org>', '503 5.5.1 Error: need MAIL command'],
    ['AUTH LOGIN', '503 5.5.1 Error: authentication not enabled'],
    ['VRFY root', '252 2.0.0 root'],
    ['EXPN staff', '502 5.5.2 Error: command not recognized'],
    ['MAIL FROM:<a@b.example> SIZE=99999999', '552 5.3.4 Message size exceeds fixed limit'],
    ['MAIL FROM:<a@b.example> BODY=8BITMIME', '250 2.1.0 Ok'],
    ['MAIL FROM:<c@d.example>', '503 5.5.1 Error: nested MAIL command'],
    ['RCPT TO:<x@y.example>', '554 5.7.1 <x@y.example>: Relay access denied'],
    ['RCPT TO:<postmaster>', '250 2.1.5 Ok'],
    ['RSET', '250 2.0.0 Ok'],
    ['NOOP', '250 2.0.0 Ok'],
    ['QUIT', '221 2.0.0 Bye'],
  ] as const) {
    c.send(cmd)
    assert.equal(await c.reply(), `${want}\r\n`, cmd)
  }
})

test('STARTTLS discards pipelined plaintext; CRAM-MD5 logs its challenge and a hashcat 16400 line; the bait digest logs in', async (t) => {
  const h = await startEmulator(t, 'smtp', { auth_mechanisms: 'PLAIN LOGIN CRAM-MD5' })
  const p = mailPersona(h.ctx)
  const s = await openFrom(h.host, h.port(25), h.client)
  t.after(() => s.destroy())
  const c = textClient(s)
  await c.reply()
  c.send('EHLO x')
  await c.reply()
  s.write('STARTTLS\r\nMAIL FROM:<injected@x>\r\n')
  assert.equal(await c.reply(), '220 2.0.0 Ready to start TLS\r\n')
  c.detach()
  const tls = tlsConnect({ socket: s, rejectUnauthorized: false })
  await new Promise((r) => tls.once('secureConnect', r))
  const ct = textClient(tls)
  ct.send('EHLO x')
  const ehlo = await ct.reply()
  assert.ok(ehlo.includes('250-AUTH PLAIN LOGIN CRAM-MD5\r\n') && !ehlo.includes('STARTTLS'), ehlo)
  const st = await h.sink.next('starttls')
  assert.equal(st.fields.discarded, String('MAIL FROM:<injected@x>\r\n'.length))
  ct.send('AUTH CRAM-MD5')
  const ch = Buffer.from((await ct.reply()).slice(4).trim(), 'base64').toString()
  assert.match(ch, new RegExp(`^<\\d+\\.\\d+@${p.hostname.replace(/\./g, '\\.')}>$`))
  const wrong = createHmac('md5', 'guess1').update(ch).digest('hex')
  ct.send(Buffer.from(`admin ${wrong}`).toString('base64'))
  assert.equal(await ct.reply(), '535 5.7.8 Error: authentication failed: \r\n')
  const f = h.sink.ofType('auth_attempt')[0]
  assert.deepEqual([f?.fields.username, f?.fields.mechanism, f?.fields.secret_kind, f?.fields.secret_printable, f?.fields.challenge, f?.fields.src_ip],
    ['admin', 'CRAM-MD5', 'cram_md5', wrong, ch, h.client])
  assert.equal(f?.fields.hashcat, `$cram_md5$${Buffer.from(ch).toString('base64')}$${Buffer.from(`admin ${wrong}`).toString('base64')}`)
  ct.send('AUTH CRAM-MD5')
  const ch2 = Buffer.from((await ct.reply()).slice(4).trim(), 'base64').toString()
  ct.send(Buffer.from(`${p.account.user} ${createHmac('md5', p.account.password).update(ch2).digest('hex')}`).toString('base64'))
  assert.equal(await ct.reply(), '235 2.7.0 Authentication successful\r\n')
  tls.destroy()
})

test('submission (587): STARTTLS first, then AUTH; unauthenticated recipients are refused', async (t) => {
  const h = await startEmulator(t, 'smtp')
  const s = await openFrom(h.host, h.port(587), h.client)
  t.after(() => s.destroy())
  const c = textClient(s)
  await c.reply()
  c.send('EHLO x')
  assert.ok(!(await c.reply()).includes('AUTH'))
  c.send('MAIL FROM:<a@b.example>')
  assert.equal(await c.reply(), '530 5.7.0 Must issue a STARTTLS command first\r\n')
  c.send('AUTH PLAIN AGEAYg==')
  assert.equal(await c.reply(), '530 5.7.0 Must issue a STARTTLS command first\r\n')
})

test('hostile: an over-long line, DATA over the size limit (truncated, 552, still in sync), BDAT chunks and a huge BDAT refused', async (t) => {
  const h = await startEmulator(t, 'smtp', { message_size_limit: 4096 }, { decky: { hostname: 'mx.example.net' } })
  const local = 'info@example.net'
  const s1 = await openFrom(h.host, h.port(25), h.client)
  t.after(() => s1.destroy())
  const c1 = textClient(s1)
  await c1.reply()
  s1.write(`HELO ${'a'.repeat(100_000)}\r\n`)
  assert.equal(await c1.reply(), '500 5.5.0 Error: line too long\r\n')
  await closed(s1)

  const s = await openFrom(h.host, h.port(25), h.client)
  t.after(() => s.destroy())
  const c = textClient(s)
  await c.reply()
  c.send('EHLO x')
  await c.reply()
  const big = Buffer.from(`Subject: big\r\n\r\n${'0123456789abcdef\r\n'.repeat(2000)}`)
  c.send('MAIL FROM:<a@b.example>')
  c.send(`RCPT TO:<${local}>`)
  c.send('DATA')
  assert.equal(await c.reply(), '250 2.1.0 Ok\r\n')
  assert.equal(await c.reply(), '250 2.1.5 Ok\r\n')
  assert.equal(await c.reply(), '354 End data with <CR><LF>.<CR><LF>\r\n')
  c.send(Buffer.concat([big, Buffer.from('.\r\nNOOP\r\n')]))
  assert.equal(await c.reply(), '552 5.3.4 Message size exceeds fixed limit\r\n')
  assert.equal(await c.reply(), '250 2.0.0 Ok\r\n')
  const art = await h.sink.next('artifact', (e) => e.fields.via === 'smtp')
  assert.deepEqual([art.fields.truncated, art.fields.size, art.fields.orig_size], ['true', '4096', String(big.length)])
  assert.equal(art.fields.sha256, createHash('sha256').update(big.subarray(0, 4096)).digest('hex'))

  // BDAT: two chunks (binary, no dot-stuffing), stored byte-exact
  const part1 = Buffer.from('Subject: chunked\r\n\r\n.leading dot stays\r\n')
  const part2 = Buffer.from('\r\n.\r\nend\r\n')
  c.send('MAIL FROM:<a@b.example>')
  c.send(`RCPT TO:<${local}>`)
  c.send(Buffer.concat([Buffer.from(`BDAT ${part1.length}\r\n`), part1, Buffer.from(`BDAT ${part2.length} LAST\r\n`), part2]))
  assert.equal(await c.reply(), '250 2.1.0 Ok\r\n')
  assert.equal(await c.reply(), '250 2.1.5 Ok\r\n')
  assert.equal(await c.reply(), `250 2.0.0 Ok: ${part1.length} bytes\r\n`)
  assert.match(await c.reply(), /^250 2\.0\.0 Ok: queued as [0-9A-F]+\r\n$/)
  const whole = Buffer.concat([part1, part2])
  const a2 = await h.sink.next('artifact', (e) => e.fields.via === 'smtp' && e.fields.smtp_cmd === 'BDAT')
  assert.equal(a2.fields.sha256, createHash('sha256').update(whole).digest('hex'))

  const rss0 = process.memoryUsage().rss
  c.send('MAIL FROM:<a@b.example>')
  c.send(`RCPT TO:<${local}>`)
  c.send('BDAT 99999999999999 LAST')
  await c.reply()
  await c.reply()
  assert.equal(await c.reply(), '552 5.3.4 Message size exceeds fixed limit\r\n')
  await closed(s)
  assert.ok(process.memoryUsage().rss - rss0 < 50 * 1024 * 1024)
  assert.ok(h.sink.ofType('protocol_error').some((e) => e.fields.error === 'bdat_too_large'))
})

test('mime: attachments, RFC 2231 names, quoted-printable, nesting', () => {
  const m = parseMessage(Buffer.from(
    'Subject: hi\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: multipart/alternative; boundary="b"\r\n\r\n--b\r\n' +
    'Content-Type: text/plain\r\n\r\ntext\r\n--b--\r\n--a\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename*=utf-8\'\'r%C3%A9sum%C3%A9.txt\r\n' +
    'Content-Transfer-Encoding: quoted-printable\r\n\r\nsoft=\r\nbreak =3D ok\r\n--a--\r\n'))
  assert.equal(m.subject, 'hi')
  assert.equal(m.attachments.length, 1)
  assert.equal(m.attachments[0]?.filename, 'résumé.txt')
  assert.equal(m.attachments[0]?.data.toString(), 'softbreak = ok')
  assert.deepEqual(parseMessage(Buffer.from('garbage')).attachments, [])
})
