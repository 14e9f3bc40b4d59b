// Apache Tomcat 9 (Coyote HTTP/1.1 connector): no Server header, no reason
// phrase in the status line, Tomcat's "HTTP Status" error report valve pages.
import { escapeHtml, reason, type ErrorInfo, type Response } from '../response.js'
import { fileHeaders, lengthHeader, type Flavor } from './flavor.js'

const STYLE = 'body {font-family:Tahoma,Arial,sans-serif;} h1, h2, h3, b {color:white;background-color:#525D76;} h1 {font-size:22px;} h2 {font-size:16px;} h3 {font-size:14px;} p {font-size:12px;} a {color:black;} .line {height:1px;background-color:#525D76;border:none;}'

const DESCRIPTIONS: Readonly<Record<number, string>> = Object.freeze({
  400: 'The server cannot or will not process the request due to something that is perceived to be a client error (e.g., malformed request syntax, invalid request message framing, or deceptive request routing).',
  401: 'The request has not been applied to the target resource because it lacks valid authentication credentials for that resource.',
  403: 'The server understood the request but refuses to authorize it.',
  404: 'The origin server did not find a current representation for the target resource or is not willing to disclose that one exists.',
  405: 'The method received in the request-line is known by the origin server but not supported by the target resource.',
  500: 'The server encountered an unexpected condition that prevented it from fulfilling the request.',
  501: 'The server does not support the functionality required to fulfill the request.',
})

/** Tomcat's ErrorReportValve writes '/' in the resource name as &#47;. */
function tomcatEscape(s: string): string {
  return escapeHtml(s).replace(/\//g, '&#47;')
}

export function tomcatReport(version: string, status: number, msg: string): string {
  const r = reason(status)
  return `<!doctype html><html lang="en"><head><title>HTTP Status ${status} – ${r}</title><style type="text/css">${STYLE}</style></head>` +
    `<body><h1>HTTP Status ${status} – ${r}</h1><hr class="line" /><p><b>Type</b> Status Report</p>` +
    (msg !== '' ? `<p><b>Message</b> ${msg}</p>` : '') +
    `<p><b>Description</b> ${DESCRIPTIONS[status] ?? DESCRIPTIONS[500]}</p><hr class="line" /><h3>Apache Tomcat/${version}</h3></body></html>`
}

export function tomcatFlavor(version: string, server: string | undefined, keepAliveTimeoutMs = 20_000): Flavor {
  const flavor: Flavor = {
    name: 'tomcat',
    server,
    keepAliveTimeoutMs,
    allow: 'GET, HEAD, POST, OPTIONS',
    errorPage(info: ErrorInfo) {
      const headers: Response['headers'] = []
      if (info.location !== undefined) {
        headers.push(['Location', info.location])
        return { status: info.status, headers, body: Buffer.alloc(0) }
      }
      if (info.allow !== undefined) headers.push(['Allow', info.allow])
      const msg = info.status === 404 ? `The requested resource [${tomcatEscape(info.path)}] is not available` : ''
      return { status: info.status, contentType: 'text/html;charset=utf-8', headers: [...headers, ['Content-Language', 'en']], body: Buffer.from(tomcatReport(version, info.status, msg), 'utf8') }
    },
    parseError(error, info) {
      const status = error === 'uri_too_long' ? 414 : error === 'bad_transfer_encoding' ? 501 : error === 'bad_version' ? 505 : 400
      if (status === 414 || status === 505) return { status, headers: [], body: Buffer.alloc(0), close: true }
      return { ...flavor.errorPage({ ...info, status }), close: true }
    },
    options() {
      return { status: 200, headers: [['Allow', flavor.allow]], body: Buffer.alloc(0) }
    },
    etag(size, mtime) {
      return `W/"${size}-${mtime.getTime()}"`
    },
    head(res, o) {
      const h: [string, string][] = [...res.headers]
      const f = fileHeaders(flavor, res, o.contentLength)
      if (f.lastModified) h.unshift(['Accept-Ranges', 'bytes'], ['ETag', f.etag ?? ''], ['Last-Modified', f.lastModified])
      if (server !== undefined && server !== '') h.unshift(['Server', server])
      if (res.contentType !== undefined) h.push(['Content-Type', res.contentType])
      h.push(...lengthHeader(o), ['Date', o.date.toUTCString()])
      if (o.conn.keepAlive) h.push(['Keep-Alive', `timeout=${Math.round(keepAliveTimeoutMs / 1000)}`], ['Connection', 'keep-alive'])
      else h.push(['Connection', 'close'])
      // Coyote (8.5+) sends no reason phrase.
      return { statusLine: `HTTP/1.1 ${res.status} `, headers: h }
    },
  }
  return flavor
}
