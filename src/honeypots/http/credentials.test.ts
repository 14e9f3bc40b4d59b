import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { classifyAuthorization, extractFormCredentials, extractXmlRpcCredentials, parseMultipart } from './credentials.js'

test('credentials: Basic → principal and plaintext secret', () => {
  const c = classifyAuthorization(`Basic ${Buffer.from('admin:p@ss:word').toString('base64')}`)
  assert.deepEqual([c?.principal, c?.secret_kind, c?.secret_printable, c?.secret_b64], ['admin', 'plaintext', 'p@ss:word', Buffer.from('p@ss:word').toString('base64')])
  assert.equal(classifyAuthorization('Basic !!notb64'), undefined)
  assert.equal(classifyAuthorization(`Basic ${Buffer.from('nocolon').toString('base64')}`), undefined)
})

test('credentials: Bearer/Token → http_bearer without principal; Digest → http_digest_md5 with params', () => {
  const b = classifyAuthorization('Bearer eyJhbGciOi.x.y')
  assert.deepEqual([b?.principal, b?.secret_kind, b?.secret_printable], [undefined, 'http_bearer', 'eyJhbGciOi.x.y'])
  const d = classifyAuthorization('Digest username="bob", realm="r", nonce="n1", uri="/a", response="0123abcd", qop=auth, nc=00000001, cnonce="c"')
  assert.deepEqual([d?.principal, d?.secret_kind, d?.secret_printable], ['bob', 'http_digest_md5', '0123abcd'])
  assert.deepEqual(JSON.parse(d?.extra.digest_params ?? '{}'), { realm: 'r', nonce: 'n1', uri: '/a', qop: 'auth', nc: '00000001', cnonce: 'c' })
  assert.equal(classifyAuthorization('NTLM TlRMTVNTUAABAAAA'), undefined)
})

test('credentials: urlencoded forms (WordPress, Jenkins, phpMyAdmin), UTF-8 secrets', () => {
  const h = [['Content-Type', 'application/x-www-form-urlencoded']] as [string, string][]
  const wp = extractFormCredentials(h, Buffer.from('log=admin&pwd=s%C3%A9cret+1&wp-submit=Log+In'))
  assert.deepEqual([wp?.principal, wp?.secret_b64, wp?.secret_printable], ['admin', Buffer.from('sécret 1').toString('base64'), 's??cret 1'])
  const j = extractFormCredentials(h, Buffer.from('j_username=jenkins&j_password=jenkins123&from=%2F'))
  assert.deepEqual([j?.principal, j?.secret_printable, j?.extra.user_field], ['jenkins', 'jenkins123', 'j_username'])
  assert.equal(extractFormCredentials(h, Buffer.from('q=search')), undefined)
})

test('credentials: multipart/form-data login', () => {
  const body = Buffer.from('--XyZ\r\nContent-Disposition: form-data; name="username"\r\n\r\nroot\r\n--XyZ\r\nContent-Disposition: form-data; name="password"\r\n\r\ntoor\r\n--XyZ--\r\n')
  const c = extractFormCredentials([['Content-Type', 'multipart/form-data; boundary=XyZ']], body)
  assert.deepEqual([c?.principal, c?.secret_printable, c?.extra.source], ['root', 'toor', 'multipart'])
})

test('credentials: WordPress XML-RPC wp.getUsersBlogs and system.multicall', () => {
  const one = '<?xml version="1.0"?><methodCall><methodName>wp.getUsersBlogs</methodName><params><param><value><string>admin</string></value></param><param><value><string>pa&amp;ss</string></value></param></params></methodCall>'
  assert.deepEqual([extractXmlRpcCredentials(one)?.principal, extractXmlRpcCredentials(one)?.secret_printable], ['admin', 'pa&ss'])
  const multi = '<methodCall><methodName>system.multicall</methodName><params><param><value><array><data><value><struct><member><name>methodName</name><value><string>wp.getUsersBlogs</string></value></member><member><name>params</name><value><array><data><value><array><data><value><string>editor</string></value><value><string>123456</string></value></data></array></value></data></array></value></member></struct></value></data></array></value></param></params></methodCall>'
  const m = extractXmlRpcCredentials(multi)
  assert.deepEqual([m?.principal, m?.secret_printable, m?.extra.xmlrpc_method], ['editor', '123456', 'wp.getUsersBlogs'])
})

test('credentials fuzz: arbitrary input never throws', () => {
  fc.assert(fc.property(fc.string({ maxLength: 300 }), fc.uint8Array({ maxLength: 600 }), (s, b) => {
    classifyAuthorization(s)
    extractFormCredentials([['Content-Type', 'application/x-www-form-urlencoded']], Buffer.from(b))
    parseMultipart(Buffer.from(b), `multipart/form-data; boundary=${s.slice(0, 20)}`)
    extractXmlRpcCredentials(s)
  }), { numRuns: 300 })
})
