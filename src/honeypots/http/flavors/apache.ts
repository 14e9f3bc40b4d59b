// Apache httpd 2.4 with Debian/Ubuntu defaults (ServerTokens OS, ServerSignature On).
import type { ParseError } from '../parser.js'
import { escapeHtml, reason, type ErrorInfo, type Response } from '../response.js'
import { fileHeaders, lengthHeader, type Flavor } from './flavor.js'

const CT_ERROR = 'text/html; charset=iso-8859-1'

function message(info: ErrorInfo): string {
  const m = escapeHtml(info.method)
  switch (info.status) {
    case 301:
    case 302:
    case 303:
    case 307:
      return `<p>The document has moved <a href="${escapeHtml(info.location ?? '/')}">here</a>.</p>\n`
    case 400:
      return `<p>Your browser sent a request that this server could not understand.<br />\n${parseDetail(info.parseError)}</p>\n`
    case 401:
      return '<p>This server could not verify that you\nare authorized to access the document\nrequested.  Either you supplied the wrong\ncredentials (e.g., bad password), or your\nbrowser doesn\'t understand how to supply\nthe credentials required.</p>\n'
    case 403:
      return '<p>You don\'t have permission to access this resource.</p>\n'
    case 404:
      return '<p>The requested URL was not found on this server.</p>\n'
    case 405:
      return `<p>The requested method ${m} is not allowed for this URL.</p>\n`
    case 413:
      return `The requested resource does not allow request data with ${m} requests, or the amount of data provided in\nthe request exceeds the capacity limit.\n`
    case 414:
      return '<p>The requested URL\'s length exceeds the capacity\nlimit for this server.<br />\n</p>\n'
    case 501:
      return `<p>${m} not supported for current URL.<br />\n</p>\n`
    case 503:
      return '<p>The server is temporarily unable to service your\nrequest due to maintenance downtime or capacity\nproblems. Please try again later.</p>\n'
    default:
      return '<p>The server encountered an internal error or\nmisconfiguration and was unable to complete\nyour request.</p>\n<p>Please contact the server administrator at \n webmaster@localhost to inform them of the time this error occurred,\n and the actions you performed just before this error.</p>\n<p>More information about this error may be available\nin the server error log.</p>\n'
  }
}

function parseDetail(e: ParseError | undefined): string {
  if (e === 'header_too_large') return 'Size of a request header field exceeds server limit.<br />\n'
  if (e === 'too_many_headers') return 'The number of request header fields exceeds this server\'s limit.<br />\n'
  return ''
}

export function apacheFlavor(server: string, keepAliveTimeoutMs = 5000): Flavor {
  const flavor: Flavor = {
    name: 'apache',
    server,
    keepAliveTimeoutMs,
    allow: 'GET,POST,OPTIONS,HEAD',
    errorPage(info) {
      const status = info.status >= 500 && info.status !== 501 && info.status !== 503 ? 500 : info.status
      const r = reason(info.status)
      const body = '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n' +
        `<title>${info.status} ${r}</title>\n</head><body>\n<h1>${r}</h1>\n${message({ ...info, status })}` +
        `<hr>\n<address>${escapeHtml(server)} Server at ${escapeHtml(info.host)} Port ${info.port}</address>\n</body></html>\n`
      const headers: Response['headers'] = []
      if (info.location !== undefined) headers.push(['Location', info.location])
      if (info.allow !== undefined) headers.push(['Allow', info.allow])
      return { status: info.status, contentType: CT_ERROR, headers, body: Buffer.from(body, 'latin1') }
    },
    parseError(error, info) {
      const status = error === 'uri_too_long' ? 414 : error === 'bad_transfer_encoding' ? 501 : 400
      const page = flavor.errorPage({ ...info, status, parseError: error })
      return { ...page, close: true }
    },
    options() {
      return { status: 200, contentType: 'text/html', headers: [['Allow', flavor.allow]], body: Buffer.alloc(0) }
    },
    etag(size, mtime) {
      // FileETag MTime Size: "<size hex>-<mtime µs hex>"
      return `"${size.toString(16)}-${(BigInt(mtime.getTime()) * 1000n).toString(16)}"`
    },
    head(res, o) {
      const h: [string, string][] = [['Date', o.date.toUTCString()]]
      if (server !== '') h.push(['Server', server])
      if (res.status === 304) {
        // http_filters.c keeps only a few headers on 304, connection ones first
        if (o.conn.keepAlive) h.push(['Connection', 'Keep-Alive'], ['Keep-Alive', `timeout=${Math.round(keepAliveTimeoutMs / 1000)}, max=${o.conn.remaining}`])
        else h.push(['Connection', 'close'])
        const f = fileHeaders(flavor, res, o.contentLength)
        if (f.etag) h.push(['ETag', f.etag])
        return { statusLine: 'HTTP/1.1 304 Not Modified', headers: h }
      }
      h.push(...res.headers)
      const f = fileHeaders(flavor, res, o.contentLength)
      if (f.lastModified) h.push(['Last-Modified', f.lastModified], ['ETag', f.etag ?? ''], ['Accept-Ranges', 'bytes'])
      if (res.status !== 204 && res.status !== 304) h.push(...lengthHeader(o))
      if (res.file && /^text\//.test(res.contentType ?? '')) h.push(['Vary', 'Accept-Encoding'])
      if (o.conn.keepAlive) {
        h.push(['Keep-Alive', `timeout=${Math.round(keepAliveTimeoutMs / 1000)}, max=${o.conn.remaining}`], ['Connection', 'Keep-Alive'])
      } else {
        h.push(['Connection', 'close'])
      }
      if (res.contentType !== undefined) h.push(['Content-Type', res.contentType])
      return { statusLine: `HTTP/1.1 ${res.status} ${reason(res.status)}`, headers: h }
    },
  }
  return flavor
}
