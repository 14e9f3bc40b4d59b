import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { mkdtemp, mkdir, writeFile, symlink, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { CLIENT_ADDRESS, startEmulator } from '../../../test/helpers/emulator.js'
import { clientFetch } from '../../../test/helpers/client.js'
import { assertBasicAuthCaptured } from '../../../test/helpers/captures.js'

// every client here connects from CLIENT_ADDRESS; the emulator listens on 127.0.0.1
const fetch = clientFetch(CLIENT_ADDRESS)
const CLIENT = CLIENT_ADDRESS

/** Send raw bytes, collect everything until the server closes (or `ms`). */
function raw(port: number, data: string | Buffer, ms = 3000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1', localAddress: CLIENT }, () => s.write(data))
    const parts: Buffer[] = []
    let closed = false
    const timer = setTimeout(() => s.destroy(), ms)
    s.on('data', (d: Buffer) => parts.push(d))
    s.on('error', () => {})
    s.on('end', () => {
      closed = true
    })
    s.on('close', () => {
      clearTimeout(timer)
      resolve({ text: Buffer.concat(parts).toString('latin1'), closed })
    })
  })
}

function headerNames(response: string): string[] {
  const head = response.split('\r\n\r\n')[0] ?? ''
  return head.split('\r\n').slice(1).map((l) => l.slice(0, l.indexOf(':')))
}

test('http: Basic auth is captured with exact user, secret and the client\'s address and port', async (t) => {
  const h = await startEmulator(t, 'http')
  const { ev, status } = await assertBasicAuthCaptured(h)
  assert.equal(status, 404)
  assert.equal(ev.fields.status, '404')
  const headers = JSON.parse(ev.fields.headers ?? '[]') as [string, string][]
  assert.ok(headers.some(([n, v]) => n.toLowerCase() === 'user-agent' && v === 'Mozilla/5.0 (decoy-test)'))
  const fp = await h.sink.next('http_request_fingerprint', (e) => e.fields.path === '/admin/')
  assert.match(fp.fields.ja4h ?? '', /^ge11nn\d{2}[a-z0-9*]{4}_[0-9a-f]{12}_0{12}_0{12}$/)
})

test('http: WordPress login form post → login_attempt + request, error page back', async (t) => {
  const h = await startEmulator(t, 'http', { fake_app: 'wordpress' }, { decky: { hostname: 'WEB-PROD-07' } })
  const base = `http://127.0.0.1:${h.port(80)}`
  const form = await fetch(`${base}/wp-login.php`)
  const page = await form.text()
  assert.match(page, /name="log"/)
  assert.match(page, /name="pwd"/)
  assert.match(form.headers.get('set-cookie') ?? '', /wordpress_test_cookie/)
  const res = await fetch(`${base}/wp-login.php`, {
    method: 'POST',
    body: new URLSearchParams({ log: 'admin', pwd: 'Winter2025!', 'wp-submit': 'Log In', testcookie: '1' }),
  })
  assert.equal(res.status, 200)
  assert.match(await res.text(), /The password you entered for the username <strong>admin<\/strong> is incorrect/)
  const ev = await h.sink.next('login_attempt')
  assert.deepEqual(
    [ev.fields.principal, ev.fields.secret_printable, ev.fields.secret_b64, ev.fields.secret_kind, ev.fields.src_ip, ev.fields.path, ev.fields.app],
    ['admin', 'Winter2025!', Buffer.from('Winter2025!').toString('base64'), 'plaintext', CLIENT, '/wp-login.php', 'wordpress'],
  )
  const req = await h.sink.next('request', (e) => e.fields.method === 'POST')
  assert.equal(req.fields.secret_b64, undefined, 'form creds are not duplicated on the request event')
  assert.match(req.fields.body ?? '', /log=admin&pwd=Winter2025%21/)
  const admin = await fetch(`${base}/wp-admin/`, { redirect: 'manual' })
  assert.equal(admin.status, 302)
  assert.match(admin.headers.get('location') ?? '', /\/wp-login\.php\?redirect_to=.*&reauth=1$/)
  const xml = await fetch(`${base}/xmlrpc.php`)
  assert.equal(xml.status, 405)
  assert.equal(await xml.text(), 'XML-RPC server accepts POST requests only.')
})

test('http: multipart login form is captured', async (t) => {
  const h = await startEmulator(t, 'http')
  const fd = new FormData()
  fd.append('username', 'svc_backup')
  fd.append('password', 'p4ss w0rd')
  await (await fetch(`http://127.0.0.1:${h.port(80)}/login`, { method: 'POST', body: fd })).text()
  const ev = await h.sink.next('login_attempt')
  assert.deepEqual([ev.fields.principal, ev.fields.secret_printable, ev.fields.source], ['svc_backup', 'p4ss w0rd', 'multipart'])
})

test('http: raw 404 and 400 are Apache byte for byte, headers in Apache order', async (t) => {
  const h = await startEmulator(t, 'http', {}, { decky: { hostname: 'files01', distro: 'debian' } })
  const port = h.port(80)
  const r404 = await raw(port, 'GET /missing HTTP/1.1\r\nHost: intranet.corp:8080\r\nUser-Agent: x\r\n\r\n', 1000)
  assert.match(r404.text, /^HTTP\/1\.1 404 Not Found\r\n/)
  assert.deepEqual(headerNames(r404.text), ['Date', 'Server', 'Content-Length', 'Keep-Alive', 'Connection', 'Content-Type'])
  const server = /\r\nServer: (Apache\/2\.4\.\d+ \(Debian\))\r\n/.exec(r404.text)?.[1]
  assert.ok(server, r404.text)
  const body404 = '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n' +
    `<p>The requested URL was not found on this server.</p>\n<hr>\n<address>${server} Server at intranet.corp Port 8080</address>\n</body></html>\n`
  assert.equal(r404.text.split('\r\n\r\n')[1], body404)
  assert.match(r404.text, new RegExp(`\\r\\nContent-Length: ${body404.length}\\r\\n`))
  assert.match(r404.text, /\r\nKeep-Alive: timeout=5, max=99\r\nConnection: Keep-Alive\r\nContent-Type: text\/html; charset=iso-8859-1\r\n/)
  assert.match(r404.text, /\r\nDate: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n/)

  const r400 = await raw(port, '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n')
  assert.ok(r400.closed, 'server closes after a bad request')
  assert.match(r400.text, /^HTTP\/1\.1 400 Bad Request\r\n/)
  assert.deepEqual(headerNames(r400.text), ['Date', 'Server', 'Content-Length', 'Connection', 'Content-Type'])
  assert.match(r400.text, /\r\nConnection: close\r\n/)
  assert.match(r400.text, /<p>Your browser sent a request that this server could not understand.<br \/>\n<\/p>\n<hr>\n<address>Apache\/2\.4\.\d+ \(Debian\) Server at files01 Port 80<\/address>/)
  assert.doesNotMatch(r400.text + r404.text, /decky-test|Express|X-Powered-By|Caddy|Werkzeug|node/i)

  const r414 = await raw(port, `GET /${'A'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`)
  assert.match(r414.text, /^HTTP\/1\.1 414 Request-URI Too Long\r\n[\s\S]*<p>The requested URL's length exceeds the capacity\nlimit for this server.<br \/>/)
  const big = await raw(port, `GET / HTTP/1.1\r\nHost: x\r\nCookie: ${'c'.repeat(9000)}\r\n\r\n`)
  assert.match(big.text, /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*Size of a request header field exceeds server limit/)
  const err = await h.sink.next('protocol_error')
  assert.equal(err.fields.src_ip, CLIENT)
})

test('http: default page, HEAD, OPTIONS, 405, pipelining and keep-alive count', async (t) => {
  const h = await startEmulator(t, 'http', {}, { decky: { distro: 'ubuntu22' } })
  const port = h.port(80)
  const pipelined = await raw(port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\nHEAD / HTTP/1.1\r\nHost: a\r\n\r\nOPTIONS / HTTP/1.1\r\nHost: a\r\n\r\nDELETE / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')
  const statuses = [...pipelined.text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1])
  assert.deepEqual(statuses, ['200', '200', '200', '405'])
  assert.match(pipelined.text, /<title>Apache2 Ubuntu Default Page: It works<\/title>/)
  assert.match(pipelined.text, /Server: Apache\/2\.4\.52 \(Ubuntu\)/)
  assert.match(pipelined.text, /Keep-Alive: timeout=5, max=99[\s\S]*Keep-Alive: timeout=5, max=98/)
  assert.match(pipelined.text, /\r\nAllow: GET,POST,OPTIONS,HEAD\r\nContent-Length: 0\r\n/)
  assert.match(pipelined.text, /<p>The requested method DELETE is not allowed for this URL.<\/p>/)
  const etag = /\r\nETag: "([0-9a-f]+)-([0-9a-f]+)"\r\n/.exec(pipelined.text)
  assert.ok(etag)
  // second emulator for the same decky+install: same ETag/Last-Modified (stable per decky)
  const headLen = /HTTP\/1\.1 200 OK\r\n[\s\S]*?Content-Length: (\d+)/.exec(pipelined.text)?.[1]
  assert.equal(Number.parseInt(etag[1] ?? '', 16), Number(headLen))
  const events = h.sink.events.filter((e) => e.type === 'request')
  assert.deepEqual(events.map((e) => [e.fields.method, e.fields.status]), [['GET', '200'], ['HEAD', '200'], ['OPTIONS', '200'], ['DELETE', '405']])
  assert.equal(events[1]?.fields.bytes, '0')
})

test('http: nginx and IIS personas use their own pages and header order', async (t) => {
  const n = await startEmulator(t, 'http', { fake_app: 'nginx_default' }, { decky: { distro: 'ubuntu22' } })
  const r = await raw(n.port(80), 'GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')
  assert.match(r.text, /^HTTP\/1\.1 404 Not Found\r\nServer: nginx\/1\.18\.0 \(Ubuntu\)\r\nDate: .*\r\nContent-Type: text\/html\r\nContent-Length: 162\r\nConnection: close\r\n\r\n<html>\r\n<head><title>404 Not Found<\/title><\/head>\r\n<body>\r\n<center><h1>404 Not Found<\/h1><\/center>\r\n<hr><center>nginx\/1\.18\.0 \(Ubuntu\)<\/center>\r\n<\/body>\r\n<\/html>\r\n$/)
  const home = await fetch(`http://127.0.0.1:${n.port(80)}/`)
  assert.match(await home.text(), /<title>Welcome to nginx!<\/title>/)
  assert.match(home.headers.get('etag') ?? '', /^"[0-9a-f]{8}-[0-9a-f]+"$/)

  const w = await startEmulator(t, 'http', {}, { decky: { osFamily: 'windows_server', hostname: 'WIN-SQL01' } })
  const i = await raw(w.port(80), 'GET /nope.aspx HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')
  assert.match(i.text, /^HTTP\/1\.1 404 Not Found\r\nContent-Type: text\/html\r\nServer: Microsoft-IIS\/10\.0\r\nX-Powered-By: ASP\.NET\r\nDate: .*\r\nConnection: close\r\nContent-Length: \d+\r\n\r\n/)
  assert.match(i.text, /<h2>404 - File or directory not found.<\/h2>/)
  const home2 = await (await fetch(`http://127.0.0.1:${w.port(80)}/`)).text()
  assert.match(home2, /<title>IIS Windows Server<\/title>/)
  const bad = await raw(w.port(80), 'BLAH\r\n\r\n')
  assert.match(bad.text, /^HTTP\/1\.1 400 Bad Request\r\nContent-Type: text\/html; charset=us-ascii\r\nServer: Microsoft-HTTPAPI\/2\.0\r\n/)
})

test('http: tomcat manager asks for Basic auth; jenkins login posts are captured', async (t) => {
  const tc = await startEmulator(t, 'http', { fake_app: 'tomcat' })
  const m = await fetch(`http://127.0.0.1:${tc.port(80)}/manager/html`, { headers: { Authorization: `Basic ${Buffer.from('tomcat:s3cret').toString('base64')}` } })
  assert.equal(m.status, 401)
  assert.equal(m.headers.get('www-authenticate'), 'Basic realm="Tomcat Manager Application"')
  assert.equal(m.headers.get('server'), null)
  assert.match(await m.text(), /conf\/tomcat-users.xml/)
  const ev = await tc.sink.next('request', (e) => e.fields.path === '/manager/html')
  assert.deepEqual([ev.fields.principal, ev.fields.secret_printable], ['tomcat', 's3cret'])
  const root = await (await fetch(`http://127.0.0.1:${tc.port(80)}/`)).text()
  assert.match(root, /<title>Apache Tomcat\/9\.0\.\d+<\/title>/)

  const j = await startEmulator(t, 'http', { fake_app: 'jenkins' })
  const login = await fetch(`http://127.0.0.1:${j.port(80)}/login`)
  assert.match(login.headers.get('x-jenkins') ?? '', /^2\.\d+\.\d+$/)
  assert.match(await login.text(), /name="j_username"[\s\S]*name="j_password"/)
  const post = await fetch(`http://127.0.0.1:${j.port(80)}/j_spring_security_check`, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams({ j_username: 'admin', j_password: 'jenkins!', from: '/', Submit: 'Sign in' }),
  })
  assert.equal(post.status, 302)
  assert.match(post.headers.get('location') ?? '', /\/loginError$/)
  const la = await j.sink.next('login_attempt')
  assert.deepEqual([la.fields.principal, la.fields.secret_printable, la.fields.src_ip], ['admin', 'jenkins!', CLIENT])
})

test('http: phpMyAdmin login with token; server_header, extra_headers, custom_body, response_code', async (t) => {
  const p = await startEmulator(t, 'http', { fake_app: 'phpmyadmin', server_header: 'Apache/2.4.41 (Ubuntu)', extra_headers: 'X-Frame-Options: SAMEORIGIN\nX-Backend: app-02' })
  const page = await fetch(`http://127.0.0.1:${p.port(80)}/phpmyadmin/`)
  assert.equal(page.headers.get('server'), 'Apache/2.4.41 (Ubuntu)')
  assert.equal(page.headers.get('x-backend'), 'app-02')
  assert.equal(page.headers.get('x-frame-options'), 'SAMEORIGIN')
  const html = await page.text()
  const token = /name="token" value="([0-9a-f]{32})"/.exec(html)?.[1]
  assert.ok(token)
  assert.match(html, /name="pma_username"[\s\S]*name="pma_password"/)
  await (await fetch(`http://127.0.0.1:${p.port(80)}/phpmyadmin/index.php`, { method: 'POST', body: new URLSearchParams({ pma_username: 'root', pma_password: 'toor', server: '1', token }) })).text()
  const la = await p.sink.next('login_attempt')
  assert.deepEqual([la.fields.principal, la.fields.secret_printable], ['root', 'toor'])

  const c = await startEmulator(t, 'http', { custom_body: '<h1>Maintenance</h1>', response_code: 503, extra_headers: '{"Retry-After": "120"}' })
  const r = await fetch(`http://127.0.0.1:${c.port(80)}/anything`)
  assert.equal(r.status, 503)
  assert.equal(r.headers.get('retry-after'), '120')
  assert.equal(await r.text(), '<h1>Maintenance</h1>')
  const f = await startEmulator(t, 'http', { response_code: 403 })
  const forbidden = await fetch(`http://127.0.0.1:${f.port(80)}/`)
  assert.equal(forbidden.status, 403)
  assert.match(await forbidden.text(), /You don't have permission to access this resource/)
})

test('http: files are served without traversal or symlink escape', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'decnet-http-files-'))
  t.after(() => rm(root, { recursive: true, force: true }))
  await mkdir(join(root, 'docs'))
  await writeFile(join(root, 'docs', 'index.html'), '<p>docs</p>')
  await writeFile(join(root, 'backup.sql'), 'INSERT INTO users VALUES (1);')
  await symlink('/etc/passwd', join(root, 'passwd'))
  const h = await startEmulator(t, 'http', { files: root })
  const port = h.port(80)
  const sql = await fetch(`http://127.0.0.1:${port}/backup.sql`)
  assert.equal(sql.status, 200)
  assert.equal(await sql.text(), 'INSERT INTO users VALUES (1);')
  assert.match(sql.headers.get('etag') ?? '', /^"1d-[0-9a-f]+"$/)
  assert.equal(await (await fetch(`http://127.0.0.1:${port}/docs/`)).text(), '<p>docs</p>')
  const dir = await fetch(`http://127.0.0.1:${port}/docs`, { redirect: 'manual' })
  assert.equal(dir.status, 301)
  assert.equal(dir.headers.get('location'), `http://127.0.0.1:${port}/docs/`)
  await dir.text()
  for (const path of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/docs/..%2f..%2fetc/passwd', '/passwd', '/docs/../../../../etc/passwd']) {
    const r = await raw(port, `GET ${path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`)
    assert.match(r.text, /^HTTP\/1\.1 (400|404) /, path)
    assert.doesNotMatch(r.text, /root:x:0:0/, path)
  }
})

test('http fuzz: random bytes on a live socket end in an answer or a close, the service stays up', async (t) => {
  const h = await startEmulator(t, 'http', {}, { limits: { idleTimeoutMs: 1500 } })
  const port = h.port(80)
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 2048 }), async (bytes) => {
      const r = await raw(port, Buffer.concat([Buffer.from(bytes), Buffer.from('\r\n\r\n')]), 4000)
      assert.ok(r.closed || r.text.startsWith('HTTP/1.1 '), 'answered or closed')
    }),
    { numRuns: 25 },
  )
  const real = Buffer.from('POST /wp-login.php HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 17\r\n\r\nlog=a&pwd=b&c=dd')
  for (let cut = 0; cut <= real.length; cut += 7) {
    await new Promise<void>((resolve) => {
      const s = connect({ port, host: '127.0.0.1', localAddress: CLIENT }, () => s.end(real.subarray(0, cut)))
      s.on('error', () => {})
      s.resume()
      s.on('close', () => resolve())
    })
  }
  const ok = await fetch(`http://127.0.0.1:${port}/`)
  assert.equal(ok.status, 200)
  await ok.text()
})

test('http: PUT bodies and multipart file parts land in the artifact quarantine', async (t) => {
  const h = await startEmulator(t, 'http')
  const base = `http://127.0.0.1:${h.port(80)}`
  const put = await fetch(`${base}/uploads/cmd.php`, { method: 'PUT', body: '<?php system($_GET["c"]); ?>' })
  assert.equal(put.status, 404)
  await put.text()
  const a = await h.sink.next('artifact', (e) => e.fields.method === 'PUT')
  assert.equal(a.fields.src_ip, CLIENT)
  assert.equal(a.fields.url_path, '/uploads/cmd.php')
  assert.equal(a.fields.sha256, (await import('node:crypto')).createHash('sha256').update('<?php system($_GET["c"]); ?>').digest('hex'))
  const fd = new FormData()
  fd.append('async-upload', new Blob([Buffer.from('MZ\x90\x00payload')]), 'x.exe')
  await (await fetch(`${base}/wp-admin/async-upload.php`, { method: 'POST', body: fd })).text()
  const b = await h.sink.next('artifact', (e) => e.fields.form_field === 'async-upload')
  assert.equal(b.fields.size, String(Buffer.from('MZ\x90\x00payload').length))
})

test('http: Last-Modified/ETag of the default page are stable per decky and install, differ between deckies', async (t) => {
  const secret = Buffer.alloc(32, 7)
  const etag = async (name: string) => {
    const h = await startEmulator(t, 'http', {}, { decky: { name }, installSecret: secret })
    const r = await fetch(`http://127.0.0.1:${h.port(80)}/`)
    await r.text()
    return `${r.headers.get('etag')} ${r.headers.get('last-modified')}`
  }
  const a = await etag('decky-a')
  assert.equal(await etag('decky-a'), a)
  assert.notEqual(await etag('decky-b'), a)
})

test('http: an h2c prior-knowledge client leaves its SETTINGS as http2_settings, then gets a 400', async (t) => {
  const h = await startEmulator(t, 'http')
  const { execFile } = await import('node:child_process')
  await new Promise<void>((resolve) => {
    execFile('curl', ['-s', '--max-time', '5', '--http2-prior-knowledge', '--interface', CLIENT, `http://127.0.0.1:${h.port(80)}/`], () => resolve())
  })
  const ev = await h.sink.next('http2_settings')
  const order = JSON.parse(ev.fields.frame_order ?? '[]') as number[]
  assert.ok(order.includes(3), ev.fields.frame_order)
  assert.equal((JSON.parse(ev.fields.settings ?? '{}') as Record<string, number>).ENABLE_PUSH, 0)
  assert.equal(ev.fields.src_ip, CLIENT)
  const err = await h.sink.next('protocol_error')
  assert.equal(err.fields.status, '400')
})

test('http: a head dripped byte by byte (slowloris) is cut at the header timeout', async (t) => {
  const h = await startEmulator(t, 'http', {}, { limits: { idleTimeoutMs: 1000 } })
  const s = connect({ port: h.port(80), host: '127.0.0.1', localAddress: CLIENT })
  s.on('error', () => {})
  t.after(() => s.destroy())
  const drip = setInterval(() => s.write('X'), 150)
  s.write('GET / HTTP/1.1\r\nX-Slow: ')
  const started = Date.now()
  await new Promise<void>((resolve) => s.on('end', () => resolve()))
  clearInterval(drip)
  const ev = await h.sink.next('request_timeout')
  assert.equal(ev.fields.phase, 'headers')
  assert.ok(Date.now() - started < 3000)
})

test('http: conditional GET of a static page → 304 in the flavour\'s shape', async (t) => {
  const h = await startEmulator(t, 'http')
  const port = h.port(80)
  const first = await fetch(`http://127.0.0.1:${port}/`)
  await first.text()
  const etag = first.headers.get('etag') ?? ''
  const lm = first.headers.get('last-modified') ?? ''
  const r = await raw(port, `GET / HTTP/1.1\r\nHost: a\r\nIf-None-Match: ${etag}\r\nConnection: close\r\n\r\n`)
  assert.match(r.text, new RegExp(`^HTTP/1\\.1 304 Not Modified\\r\\nDate: [^\\r]+\\r\\nServer: Apache/[^\\r]+\\r\\nConnection: close\\r\\nETag: ${etag}\\r\\n\\r\\n$`))
  const ims = await fetch(`http://127.0.0.1:${port}/`, { headers: { 'If-Modified-Since': lm } })
  assert.equal(ims.status, 304)
  const stale = await fetch(`http://127.0.0.1:${port}/`, { headers: { 'If-None-Match': '"0-0"' } })
  assert.equal(stale.status, 200)
  await stale.text()
})
