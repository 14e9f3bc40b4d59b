// A server flavour is the product the decky claims to run: its status lines,
// header order, error pages and validators, byte for byte where we know them.
import type { Header, ParseError } from '../parser.js'
import type { ConnState, ErrorInfo, Response } from '../response.js'

export type FlavorName = 'apache' | 'nginx' | 'iis' | 'tomcat' | 'jetty'

/** How the body is delimited: Content-Length, chunked (HTTP/1.1), or by closing (HTTP/1.0). */
export type Framing = 'length' | 'chunked' | 'close'

export interface HeadOptions {
  date: Date
  conn: ConnState
  contentLength: number
  framing: Framing
}

/** The body-length header for a framing, or none. */
export function lengthHeader(o: HeadOptions): [string, string][] {
  if (o.framing === 'chunked') return [['Transfer-Encoding', 'chunked']]
  if (o.framing === 'close') return []
  return [['Content-Length', String(o.contentLength)]]
}

export interface WireHead {
  statusLine: string
  headers: Header[]
}

export interface Flavor {
  readonly name: FlavorName
  /** Server header value; undefined → no Server header (Tomcat). */
  readonly server: string | undefined
  /** Idle time between keep-alive requests before the server closes. */
  readonly keepAliveTimeoutMs: number
  /** Allow header for OPTIONS / 405 on static resources. */
  readonly allow: string
  /** The product's page for an HTTP error or redirect status. */
  errorPage(info: ErrorInfo): Response
  /** The product's answer to a request it could not parse (always closes). */
  parseError(error: ParseError, info: ErrorInfo): Response
  /** Answer to OPTIONS on a static resource. */
  options(info: ErrorInfo): Response
  /** ETag in the product's style for a static file. */
  etag(size: number, mtime: Date): string
  /** Status line and headers in the product's order. */
  head(res: Response, o: HeadOptions): WireHead
}

/** Content headers of a static file in the order the flavour places them. */
export function fileHeaders(flavor: Flavor, res: Response, contentLength: number): { lastModified?: string; etag?: string } {
  if (!res.file) return {}
  return { lastModified: res.file.mtime.toUTCString(), etag: flavor.etag(res.file.size ?? contentLength, res.file.mtime) }
}
