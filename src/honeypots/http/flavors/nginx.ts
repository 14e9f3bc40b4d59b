// nginx 1.18–1.25 with server_tokens on (Debian/Ubuntu packages). Error pages
// are the built-in ones (ngx_http_special_response.c), CRLF line ends.
import type { ParseError } from '../parser.js'
import { escapeHtml, reason, type Response } from '../response.js'
import { fileHeaders, lengthHeader, type Flavor } from './flavor.js'

/** nginx's own status texts where they differ from RFC wording. */
const NGINX_TITLES: Readonly<Record<number, string>> = Object.freeze({
  401: 'Authorization Required',
  405: 'Not Allowed',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Large',
  503: 'Service Temporarily Unavailable',
})
/** Status-line reason phrases nginx writes. */
const NGINX_REASONS: Readonly<Record<number, string>> = Object.freeze({
  405: 'Not Allowed',
  414: 'Request-URI Too Large',
  503: 'Service Temporarily Unavailable',
})

function title(status: number): string {
  return `${status} ${NGINX_TITLES[status] ?? reason(status)}`
}

function page(server: string, head: string, h1: string, extra = ''): string {
  return `<html>\r\n<head><title>${head}</title></head>\r\n<body>\r\n<center><h1>${h1}</h1></center>\r\n${extra}` +
    `<hr><center>${escapeHtml(server)}</center>\r\n</body>\r\n</html>\r\n`
}

const TOO_LARGE = 'Request Header Or Cookie Too Large'

export function nginxFlavor(server: string, keepAliveTimeoutMs = 65_000): Flavor {
  const flavor: Flavor = {
    name: 'nginx',
    server,
    keepAliveTimeoutMs,
    allow: 'GET, HEAD',
    errorPage(info) {
      const t = title(info.status)
      const headers: Response['headers'] = []
      if (info.location !== undefined) headers.push(['Location', info.location])
      return { status: info.status, contentType: 'text/html', headers, body: Buffer.from(page(server, t, t), 'latin1') }
    },
    parseError(error: ParseError, info) {
      if (error === 'header_too_large' || error === 'too_many_headers') {
        const body = page(server, `400 ${TOO_LARGE}`, '400 Bad Request', `<center>${TOO_LARGE}</center>\r\n`)
        return { status: 400, contentType: 'text/html', headers: [], body: Buffer.from(body, 'latin1'), close: true }
      }
      const status = error === 'uri_too_long' ? 414 : error === 'bad_transfer_encoding' ? 501 : error === 'bad_version' ? 505 : 400
      return { ...flavor.errorPage({ ...info, status }), close: true }
    },
    options(info) {
      return flavor.errorPage({ ...info, status: 405 })
    },
    etag(size, mtime) {
      return `"${Math.floor(mtime.getTime() / 1000).toString(16)}-${size.toString(16)}"`
    },
    head(res, o) {
      const h: [string, string][] = []
      if (server !== '') h.push(['Server', server])
      h.push(['Date', o.date.toUTCString()])
      if (res.contentType !== undefined) h.push(['Content-Type', res.contentType])
      if (res.status !== 204 && res.status !== 304) h.push(...lengthHeader(o))
      const f = fileHeaders(flavor, res, o.contentLength)
      if (f.lastModified) h.push(['Last-Modified', f.lastModified])
      h.push(['Connection', o.conn.keepAlive ? 'keep-alive' : 'close'])
      if (f.etag) h.push(['ETag', f.etag])
      h.push(...res.headers)
      if (f.lastModified && res.status !== 304) h.push(['Accept-Ranges', 'bytes'])
      return { statusLine: `HTTP/1.1 ${res.status} ${NGINX_REASONS[res.status] ?? reason(res.status)}`, headers: h }
    },
  }
  return flavor
}
