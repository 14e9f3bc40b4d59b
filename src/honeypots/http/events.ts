// Events of the http emulator (catalogue: docs/events.md): `request`
// per request (+ Authorization credential), `login_attempt` per form/XML-RPC
// login, `http_request_fingerprint` (JA4H) per request, `protocol_error` for
// requests the server refused to parse.
import type { Session } from '../../runtime/context.js'
import { EVENT_BODY_CHARS, EVENT_HEADER_VALUE_CHARS } from './constants.js'
import { classifyAuthorization, extractFormCredentials, extractXmlRpcCredentials, type Credential } from './credentials.js'
import { headerValue, type HttpRequest, type ParseError } from './parser.js'
import type { Target } from './router.js'
import { ja4h } from '../../fingerprints/foxio/ja4h.js'

/** Printable preview: control bytes become '?', cut at `max` characters. */
export function printable(s: string, max: number): string {
  const cut = s.length > max ? s.slice(0, max) : s
  return cut.replace(/[\x00-\x1f\x7f]/g, '?')
}

function credFields(c: Credential | undefined): Record<string, string | undefined> {
  if (!c) return {}
  return { principal: c.principal, secret_kind: c.secret_kind, secret_printable: c.secret_printable, secret_b64: c.secret_b64, ...c.extra }
}

export interface RequestFacts {
  req: HttpRequest
  target: Target
  status: number
  bytes: number
  app: string
  scheme: 'http' | 'https'
}

export function requestEvents(s: Session, f: RequestFacts): void {
  const { req, target } = f
  const auth = headerValue(req.headers, 'authorization')
  const authCred = auth !== undefined ? classifyAuthorization(auth) : undefined
  const common = {
    session: s.id,
    method: req.method,
    path: printable(target.rawPath, 2048),
    host: printable(headerValue(req.headers, 'host') ?? '', 256) || undefined,
    user_agent: printable(headerValue(req.headers, 'user-agent') ?? '', 512) || undefined,
  }
  s.emit('request', {
    ...common,
    query: target.query !== '' ? printable(target.query, 2048) : undefined,
    version: req.version,
    scheme: f.scheme,
    headers: req.headers.map(([n, v]) => [printable(n, 128), printable(v, EVENT_HEADER_VALUE_CHARS)]),
    body: req.body.length > 0 ? printable(req.body.subarray(0, 4 * EVENT_BODY_CHARS).toString('utf8'), EVENT_BODY_CHARS) : undefined,
    body_bytes: req.bodyBytes > 0 ? req.bodyBytes : undefined,
    body_truncated: req.bodyTruncated ? true : undefined,
    status: f.status,
    bytes: f.bytes,
    ...credFields(authCred),
  })
  if (req.method === 'POST' || req.method === 'PUT') {
    let form = extractFormCredentials(req.headers, req.body)
    if (!form && /xml/i.test(headerValue(req.headers, 'content-type') ?? 'text/xml') && target.path.endsWith('xmlrpc.php')) {
      form = extractXmlRpcCredentials(req.body.toString('utf8'))
    }
    if (form) s.emit('login_attempt', { ...common, app: f.app, status: f.status, ...credFields(form) })
  }
  const fp = ja4h({ method: req.method, version: req.version, headers: req.headers })
  const cookie = headerValue(req.headers, 'cookie')
  const lang = headerValue(req.headers, 'accept-language')
  s.emit('http_request_fingerprint', {
    session: s.id,
    proto: 'h1',
    method: req.method,
    path: common.path,
    ja4h: fp.ja4h,
    ja4h_r: printable(fp.ja4h_r, 4096),
    headers_ordered: req.headers.map(([n]) => printable(n.toLowerCase(), 128)),
    cookie: cookie !== undefined ? printable(cookie, EVENT_HEADER_VALUE_CHARS) : undefined,
    accept_language: lang !== undefined ? printable(lang, 256) : undefined,
  })
}

export function parseErrorEvent(s: Session, f: { error: ParseError; detail: string; status: number; bytes: number; buffered: number }): void {
  s.emit('protocol_error', { error: f.error, detail: f.detail, status: f.status, bytes: f.bytes })
}
