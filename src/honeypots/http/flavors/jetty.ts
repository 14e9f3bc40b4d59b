// Eclipse Jetty 10 as embedded by Jenkins (winstone).
import { escapeHtml, reason, type ErrorInfo, type Response } from '../response.js'
import { fileHeaders, lengthHeader, type Flavor } from './flavor.js'

export function jettyFlavor(version: string, server: string, keepAliveTimeoutMs = 30_000): Flavor {
  const flavor: Flavor = {
    name: 'jetty',
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
      const r = reason(info.status)
      const body = `<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html;charset=ISO-8859-1"/>\n` +
        `<title>Error ${info.status} ${r}</title>\n</head>\n<body><h2>HTTP ERROR ${info.status} ${r}</h2>\n<table>\n` +
        `<tr><th>URI:</th><td>${escapeHtml(info.path)}</td></tr>\n<tr><th>STATUS:</th><td>${info.status}</td></tr>\n` +
        `<tr><th>MESSAGE:</th><td>${r}</td></tr>\n<tr><th>SERVLET:</th><td>Stapler</td></tr>\n</table>\n` +
        `<hr/><a href="https://eclipse.org/jetty">Powered by Jetty:// ${escapeHtml(version)}</a><hr/>\n\n</body>\n</html>\n`
      return { status: info.status, contentType: 'text/html;charset=iso-8859-1', headers, body: Buffer.from(body, 'latin1') }
    },
    parseError(error) {
      const status = error === 'uri_too_long' ? 414 : error === 'header_too_large' || error === 'too_many_headers' ? 431 : error === 'bad_version' ? 505 : 400
      const r = reason(status)
      const body = `<h1>Bad Message ${status}</h1><pre>reason: ${r}</pre>`
      return { status, contentType: 'text/html;charset=iso-8859-1', headers: [], body: Buffer.from(body, 'latin1'), close: true }
    },
    options() {
      return { status: 200, headers: [['Allow', flavor.allow]], body: Buffer.alloc(0) }
    },
    etag(size, mtime) {
      return `W/"${(mtime.getTime() ^ size).toString(36)}"`
    },
    head(res, o) {
      const h: [string, string][] = [['Date', o.date.toUTCString()], ...res.headers]
      const f = fileHeaders(flavor, res, o.contentLength)
      if (f.lastModified) h.push(['Last-Modified', f.lastModified], ['ETag', f.etag ?? ''], ['Accept-Ranges', 'bytes'])
      if (res.contentType !== undefined) h.push(['Content-Type', res.contentType])
      if (!o.conn.keepAlive) h.push(['Connection', 'close'])
      h.push(...lengthHeader(o))
      if (server !== '') h.push(['Server', server])
      return { statusLine: `HTTP/1.1 ${res.status} ${reason(res.status)}`, headers: h }
    },
  }
  return flavor
}
