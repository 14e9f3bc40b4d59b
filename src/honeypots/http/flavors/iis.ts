// IIS 10 on Windows Server: IIS's custom-error pages for application errors,
// HTTP.sys (Server: Microsoft-HTTPAPI/2.0) pages for requests it cannot parse.
import type { ParseError } from '../parser.js'
import { reason, type ErrorInfo, type Response } from '../response.js'
import { fileHeaders, lengthHeader, type Flavor } from './flavor.js'

const IIS_TEXT: Readonly<Record<number, [h2: string, h3: string]>> = Object.freeze({
  401: ['401 - Unauthorized: Access is denied due to invalid credentials.', 'You do not have permission to view this directory or page using the credentials that you supplied.'],
  403: ['403 - Forbidden: Access is denied.', 'You do not have permission to view this directory or page using the credentials that you supplied.'],
  404: ['404 - File or directory not found.', 'The resource you are looking for might have been removed, had its name changed, or is temporarily unavailable.'],
  405: ['405 - HTTP verb used to access this page is not allowed.', 'The page you are looking for cannot be displayed because an invalid method (HTTP verb) was used to attempt access.'],
  500: ['500 - Internal server error.', 'There is a problem with the resource you are looking for, and it cannot be displayed.'],
  501: ['501 - Header values specify a method that is not implemented.', 'The page you are looking for cannot be displayed because a header value in the request does not match certain configuration settings on the Web server.'],
})

function iisPage(status: number): string {
  const [h2, h3] = IIS_TEXT[status] ?? IIS_TEXT[500] as [string, string]
  return `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"/>
<title>${h2.replace(/:.*$/, '')}</title>
<style type="text/css">
<!--
body{margin:0;font-size:.7em;font-family:Verdana, Arial, Helvetica, sans-serif;background:#EEEEEE;}
fieldset{padding:0 15px 10px 15px;} 
h1{font-size:2.4em;margin:0;color:#FFF;}
h2{font-size:1.7em;margin:0;color:#CC0000;} 
h3{font-size:1.2em;margin:10px 0 0 0;color:#000000;} 
#header{width:96%;margin:0 0 0 0;padding:6px 2% 6px 2%;font-family:"trebuchet MS", Verdana, sans-serif;color:#FFF;
background-color:#555555;}
#content{margin:0 0 0 2%;position:relative;}
.content-container{background:#FFF;width:96%;margin-top:8px;padding:10px;position:relative;}
-->
</style>
</head>
<body>
<div id="header"><h1>Server Error</h1></div>
<div id="content">
 <div class="content-container"><fieldset>
  <h2>${h2}</h2>
  <h3>${h3}</h3>
 </fieldset></div>
</div>
</body>
</html>
`.replace(/\n/g, '\r\n')
}

/** HTTP.sys error bodies: [h2, p]. */
const HTTPSYS: Readonly<Record<string, [status: number, h2: string, p: string]>> = Object.freeze({
  bad_request: [400, 'Bad Request', 'HTTP Error 400. The request is badly formed.'],
  header_too_large: [400, 'Bad Request - Header Field Too Long', 'HTTP Error 400. A request header field is too long.'],
  too_many_headers: [400, 'Bad Request - Request Too Long', 'HTTP Error 400. The size of the request headers is too long.'],
  uri_too_long: [414, 'Request URL Too Long', 'HTTP Error 414. The request URL is too long.'],
  bad_version: [505, 'HTTP Version Not Supported', 'HTTP Error 505. The HTTP version is not supported.'],
  bad_transfer_encoding: [501, 'Not Implemented', 'HTTP Error 501. The request transfer encoding type is not supported.'],
})

export function httpSysPage(error: ParseError): Response {
  const [status, h2, p] = HTTPSYS[error] ?? (HTTPSYS.bad_request as [number, string, string])
  const t = h2.replace(/ - .*$/, '')
  const body = '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">\r\n' +
    `<HTML><HEAD><TITLE>${t}</TITLE>\r\n<META HTTP-EQUIV="Content-Type" Content="text/html; charset=us-ascii"></HEAD>\r\n` +
    `<BODY><h2>${h2}</h2>\r\n<hr><p>${p}</p>\r\n</BODY></HTML>\r\n`
  return { status, contentType: 'text/html; charset=us-ascii', headers: [], body: Buffer.from(body, 'latin1'), close: true }
}

/** FILETIME (100 ns since 1601) of a date, as IIS prints it in ETags. */
function filetimeHex(d: Date): string {
  return ((BigInt(d.getTime()) + 11644473600000n) * 10000n).toString(16)
}

export function iisFlavor(server = 'Microsoft-IIS/10.0', keepAliveTimeoutMs = 120_000): Flavor {
  const flavor: Flavor = {
    name: 'iis',
    server,
    keepAliveTimeoutMs,
    allow: 'OPTIONS, TRACE, GET, HEAD, POST',
    errorPage(info: ErrorInfo) {
      const headers: Response['headers'] = []
      if (info.location !== undefined) {
        headers.push(['Location', info.location])
        const body = `<head><title>Document Moved</title></head>\n<body><h1>Object Moved</h1>This document may be found <a HREF="${info.location}">here</a></body>`
        return { status: info.status, contentType: 'text/html; charset=UTF-8', headers, body: Buffer.from(body, 'latin1') }
      }
      if (info.allow !== undefined) headers.push(['Allow', info.allow])
      return { status: info.status, contentType: 'text/html', headers, body: Buffer.from(iisPage(info.status), 'latin1') }
    },
    parseError(error) {
      return httpSysPage(error)
    },
    options() {
      return { status: 200, headers: [['Allow', flavor.allow], ['Public', flavor.allow]], body: Buffer.alloc(0) }
    },
    etag(_size, mtime) {
      return `"${filetimeHex(mtime)}:0"`
    },
    head(res, o) {
      const h: [string, string][] = []
      // HTTP.sys answers parse errors itself, under its own name.
      const sys = res.close === true && res.contentType === 'text/html; charset=us-ascii'
      if (res.contentType !== undefined) h.push(['Content-Type', res.contentType])
      const f = fileHeaders(flavor, res, o.contentLength)
      if (f.lastModified) h.push(['Last-Modified', f.lastModified], ['Accept-Ranges', 'bytes'], ['ETag', f.etag ?? ''])
      h.push(['Server', sys ? 'Microsoft-HTTPAPI/2.0' : server])
      h.push(...res.headers)
      // applicationHost.config ships <customHeaders><add name="X-Powered-By" value="ASP.NET" />
      if (!sys && !res.headers.some(([n]) => n.toLowerCase() === 'x-powered-by')) h.push(['X-Powered-By', 'ASP.NET'])
      h.push(['Date', o.date.toUTCString()])
      if (!o.conn.keepAlive) h.push(['Connection', 'close'])
      if (res.status !== 304) h.push(...lengthHeader(o))
      return { statusLine: `HTTP/1.1 ${res.status} ${reason(res.status)}`, headers: h }
    },
  }
  return flavor
}
