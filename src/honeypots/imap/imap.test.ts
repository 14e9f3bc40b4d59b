import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ImapFlow } from 'imapflow'
import { startEmulator } from '../../../test/helpers/emulator.js'
import { mailPersona } from '../shared/mail/persona.js'
import { tokenize } from './parser.js'
import { openFrom, textClient } from '../../../test/helpers/text-client.js'

const GREETING = '* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN AUTH=LOGIN] Dovecot (Debian) ready.\r\n'

test('tokenizer: atoms with sections, quoted strings, lists, literals', () => {
  const toks = tokenize(['a1 FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.10>) "x \\"y\\"" {3}', Buffer.from('abc'), ' NIL'])
  assert.deepEqual(toks.map((t) => t.k), ['atom', 'atom', 'atom', 'list', 'str', 'str', 'atom'])
  assert.deepEqual(toks[3], { k: 'list', v: [{ k: 'atom', v: 'UID' }, { k: 'atom', v: 'BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.10>' }] })
  assert.deepEqual([toks[4], toks[5]], [{ k: 'str', v: 'x "y"' }, { k: 'str', v: 'abc' }])
})

test('imapflow (STARTTLS, AUTHENTICATE PLAIN): bait login lists and fetches a message', async (t) => {
  const h = await startEmulator(t, 'imap', {}, { kernelSource: true, decky: { hostname: 'mail.brightwater.io' } })
  const p = mailPersona(h.ctx)
  const client = new ImapFlow({ host: h.host, port: h.port(143), secure: false, auth: { user: p.account.user, pass: p.account.password }, tls: { rejectUnauthorized: false }, logger: false })
  await client.connect()
  const boxes = await client.list()
  assert.deepEqual(boxes.map((b) => b.path).sort(), ['Drafts', 'INBOX', 'Junk', 'Sent', 'Trash'])
  const lock = await client.getMailboxLock('INBOX')
  try {
    const found = await client.search({ all: true })
    assert.equal((found as number[]).length, p.messages.length)
    const msg = await client.fetchOne('1', { envelope: true, source: true, flags: true })
    assert.ok(msg)
    assert.equal(msg.envelope?.subject, p.messages[0]?.subject)
    assert.equal(msg.envelope?.from?.[0]?.address, `${p.messages[0]?.from.mailbox}@brightwater.io`)
    assert.ok(msg.source?.equals(p.messages[0]?.raw as Buffer))
    const byUid = await client.fetchOne(String(p.messages[1]?.uid), { headers: true, uid: true }, { uid: true })
    assert.ok(byUid && byUid.headers?.toString().includes('Subject:'))
  } finally {
    lock.release()
  }
  await client.logout()
  assert.ok(h.sink.events.some((e) => e.type === 'starttls'))
  const a = h.sink.events.find((e) => e.type === 'auth_attempt')
  assert.deepEqual([a?.fields.username, a?.fields.secret_printable, a?.fields.mechanism, a?.fields.tls, a?.fields.outcome, a?.fields.src_ip],
    [p.account.user, p.account.password, 'AUTHENTICATE PLAIN', 'true', 'success', h.client])
  assert.ok(h.sink.events.some((e) => e.type === 'message_read' && e.fields.uid === String(p.messages[0]?.uid)))
  assert.ok(h.sink.events.some((e) => e.type === 'client_id' && /imapflow/i.test(e.fields.client_version ?? '')))
})

test('imapflow LOGIN over implicit TLS (993): a failed login is captured exactly', async (t) => {
  const h = await startEmulator(t, 'imap', {}, { kernelSource: true })
  const client = new ImapFlow({ host: h.host, port: h.port(993), secure: true, auth: { user: 'admin@example.org', pass: 'S3cr"et \\ pass', loginMethod: 'LOGIN' }, tls: { rejectUnauthorized: false }, logger: false })
  client.on('error', () => {})
  await assert.rejects(client.connect(), (e: { authenticationFailed?: boolean; serverResponseCode?: string }) => e.authenticationFailed === true && e.serverResponseCode === 'AUTHENTICATIONFAILED')
  const a = h.sink.events.find((e) => e.type === 'auth_attempt')
  assert.deepEqual([a?.fields.username, a?.fields.secret_printable, a?.fields.mechanism, a?.fields.tls, a?.fields.outcome, a?.fields.src_ip],
    ['admin@example.org', 'S3cr"et \\ pass', 'LOGIN', 'true', 'failure', h.client])
})

test('raw: greeting, tags echoed, AUTHENTICATE LOGIN continuation, literals, source address', async (t) => {
  const h = await startEmulator(t, 'imap')
  const p = mailPersona(h.ctx)
  const s = await openFrom(h.host, h.port(143), h.client)
  t.after(() => s.destroy())
  const c = textClient(s)
  assert.equal(await c.until((b) => b.endsWith('\r\n')), GREETING)
  c.send('x.1 CAPABILITY')
  assert.equal(await c.until((b) => b.includes('x.1 ')), `${GREETING.slice(2).replace(/^OK \[/, '* ').replace(/\] Dovecot.*$/s, '\r\n')}x.1 OK Pre-login capabilities listed, post-login capabilities have more.\r\n`)
  c.send('GET / HTTP/1.0')
  c.send('')
  assert.equal(await c.until((b) => b.split('\r\n').length > 2), 'GET BAD Error in IMAP command received by server.\r\n* BAD Error in IMAP command received by server.\r\n')
  c.send('a2 AUTHENTICATE LOGIN')
  assert.equal(await c.until((b) => b.endsWith('\r\n')), '+ VXNlcm5hbWU6\r\n')
  c.send(Buffer.from('backup').toString('base64'))
  assert.equal(await c.until((b) => b.endsWith('\r\n')), '+ UGFzc3dvcmQ6\r\n')
  c.send(Buffer.from('Backup#1').toString('base64'))
  assert.equal(await c.until((b) => b.includes('a2 ')), 'a2 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n')
  const a = h.sink.events.find((e) => e.type === 'auth_attempt')
  assert.deepEqual([a?.fields.username, a?.fields.secret_printable, a?.fields.src_ip, a?.fields.src_port], ['backup', 'Backup#1', h.client, String(s.localPort)])
  // LOGIN with a synchronizing literal password
  c.send(`a3 LOGIN ${p.account.user} {${Buffer.byteLength(p.account.password)}}`)
  assert.equal(await c.until((b) => b.endsWith('\r\n')), '+ OK\r\n')
  c.send(p.account.password)
  assert.match(await c.until((b) => b.includes('a3 ')), /^a3 OK \[CAPABILITY IMAP4rev1 .*\] Logged in\r\n$/)
  c.send('a4 EXAMINE INBOX')
  assert.match(await c.until((b) => b.includes('a4 ')), new RegExp(`\\* ${p.messages.length} EXISTS\\r\\n[\\s\\S]*UIDVALIDITY ${p.uidValidity}[\\s\\S]*a4 OK \\[READ-ONLY\\] Examine completed`))
  c.send('a5 FETCH 1 (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
  const f = await c.until((b) => b.includes('a5 '))
  assert.ok(f.startsWith(`* 1 FETCH (FLAGS (`), f)
  assert.ok(f.includes(`BODY[HEADER.FIELDS (SUBJECT)] {${Buffer.byteLength(`Subject: ${p.messages[0]?.subject}\r\n\r\n`)}}\r\nSubject: ${p.messages[0]?.subject}\r\n\r\n)`), f)
  c.send('a6 LOGOUT')
  assert.match(await c.until((b) => b.includes('a6 ')), /^\* BYE Logging out\r\na6 OK Logout completed \(0\.00\d \+ 0\.000 secs\)\.\r\n$/)
})

test('hostile: a {4294967295} literal and an over-long line are refused without allocation', async (t) => {
  const h = await startEmulator(t, 'imap')
  const before = process.memoryUsage().arrayBuffers
  const s = await openFrom(h.host, h.port(143), h.client)
  t.after(() => s.destroy())
  const c = textClient(s)
  await c.until((b) => b.endsWith('\r\n'))
  c.send('t1 LOGIN {4294967295}')
  assert.equal(await c.until((b) => b.endsWith('\r\n')), 't1 NO [TOOBIG] Literal too large.\r\n')
  c.send('t2 LOGIN {4294967295+}')
  assert.equal(await c.until((b) => b.endsWith('\r\n')), '* BYE Literal too large.\r\n')
  await new Promise((r) => (s.destroyed ? r(null) : s.once('close', r)))
  assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024)
  assert.ok(h.sink.events.some((e) => e.type === 'protocol_error' && e.fields.size === '4294967295'))

  const s2 = await openFrom(h.host, h.port(143), h.client)
  t.after(() => s2.destroy())
  const c2 = textClient(s2)
  await c2.until((b) => b.endsWith('\r\n'))
  s2.write(`a1 LOGIN ${'x'.repeat(200_000)}\r\n`)
  assert.equal(await c2.until((b) => b.endsWith('\r\n')), '* BYE Input buffer full, aborting\r\n')
  await new Promise((r) => (s2.destroyed ? r(null) : s2.once('close', r)))
})
