// What a route answers, before a server flavour puts it on the wire in the
// product's header order.
import type { Header, ParseError } from './parser.js'

export interface Response {
  status: number
  /** Content-Type value; omitted when undefined (e.g. 304, empty bodies). */
  contentType?: string
  /** Application headers (Location, WWW-Authenticate, Set-Cookie, X-…) in the app's order. */
  headers: Header[]
  body: Buffer
  /** Static file: adds Last-Modified, ETag and Accept-Ranges in the flavour's style. */
  file?: { mtime: Date; size?: number }
  /** Close the connection after this response. */
  close?: boolean
  /**
   * Generated output whose length the server does not announce (JSP, Jetty
   * servlets): chunked for HTTP/1.1 clients, close-delimited for HTTP/1.0.
   */
  streamed?: boolean
}

/** What an error page may mention. */
export interface ErrorInfo {
  status: number
  method: string
  /** Decoded path, for pages that name it (escaped by the page). */
  path: string
  /** Host for Apache's <address> line: Host header (no port) or persona hostname. */
  host: string
  /** Port for Apache's <address> line: from the Host header, else the declared port. */
  port: number
  location?: string
  allow?: string
  parseError?: ParseError
}

/** Keep-alive state of the connection when a response is written. */
export interface ConnState {
  keepAlive: boolean
  /** Requests left on this connection after this one (Apache's max=N). */
  remaining: number
}

export const REASONS: Readonly<Record<number, string>> = Object.freeze({
  100: 'Continue',
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  206: 'Partial Content',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  411: 'Length Required',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  505: 'HTTP Version Not Supported',
})

export function reason(status: number): string {
  return REASONS[status] ?? (status < 400 ? 'OK' : status < 500 ? 'Bad Request' : 'Internal Server Error')
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

export function html(status: number, body: string, contentType = 'text/html', headers: Header[] = []): Response {
  return { status, contentType, headers, body: Buffer.from(body, 'utf8') }
}

/** IMF-fixdate (RFC 9110 §5.6.7). */
export function httpDate(d: Date): string {
  return d.toUTCString()
}

/** Take the first header of that name (case-insensitive) out of a list. */
export function takeHeader(headers: Header[], name: string): string | undefined {
  const lower = name.toLowerCase()
  const i = headers.findIndex(([n]) => n.toLowerCase() === lower)
  if (i < 0) return undefined
  const [, v] = headers[i] as Header
  headers.splice(i, 1)
  return v
}
