// HTTP/1.x request framing (RFC 9112) without sockets: bytes in, requests or
// one error out. Bounded: the head buffer never exceeds MAX_HEAD_BYTES, a body
// keeps at most MAX_BODY_KEPT bytes and discards the rest as it streams by.
import {
  MAX_BODY_KEPT, MAX_CHUNK_LINE, MAX_HEAD_BYTES, MAX_HEADER_COUNT, MAX_HEADER_LINE, MAX_REQUEST_LINE,
} from './constants.js'

export type Header = [name: string, value: string]

export interface HttpRequest {
  method: string
  /** Request target as sent (origin form, absolute form, '*' ...). */
  target: string
  /** 'HTTP/1.0' | 'HTTP/1.1' */
  version: string
  /** In wire order, names as sent. */
  headers: Header[]
  body: Buffer
  /** Body bytes received, including discarded ones. */
  bodyBytes: number
  bodyTruncated: boolean
}

/** Why a request was refused; the flavour maps each to the product's own answer. */
export type ParseError =
  | 'bad_request'
  | 'uri_too_long'
  | 'header_too_large'
  | 'too_many_headers'
  | 'bad_version'
  | 'bad_transfer_encoding'

export type ReaderItem = { kind: 'request'; request: HttpRequest } | { kind: 'error'; error: ParseError; detail: string }

/** Bytes without a LF accumulated before the head is re-parsed anyway. */
const PARSE_EVERY = 4096
/** Body pieces held before they are merged into one buffer. */
const MAX_PARTS = 64

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const VERSION = /^HTTP\/(\d)\.(\d)$/
const TARGET_BAD = /[\x00-\x20\x7f]/
const VALUE_BAD = /[\x00-\x08\x0a-\x1f\x7f]/

export function headerValue(headers: readonly Header[], name: string): string | undefined {
  const lower = name.toLowerCase()
  for (const [n, v] of headers) if (n.toLowerCase() === lower) return v
  return undefined
}

function headerValues(headers: readonly Header[], name: string): string[] {
  const lower = name.toLowerCase()
  return headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v)
}

type Head = { kind: 'head'; method: string; target: string; version: string; headers: Header[] }
type HeadResult = Head | { kind: 'need' } | { kind: 'error'; error: ParseError; detail: string } | { kind: 'skip'; bytes: number }

/** Index of the next LF at or after `from`, or -1. */
function lf(buf: Buffer, from: number): number {
  return buf.indexOf(0x0a, from)
}

/** One line without its CRLF/LF. */
function lineAt(buf: Buffer, start: number, end: number): string {
  const stop = end > start && buf[end - 1] === 0x0d ? end - 1 : end
  return buf.toString('latin1', start, stop)
}

/**
 * Parse a request head from the start of `buf`. `need` while the head is
 * incomplete and within limits; `skip` for leading empty lines (RFC 9112 §2.2).
 */
export function parseHead(buf: Buffer): HeadResult & { consumed?: number } {
  const first = lf(buf, 0)
  if (first === -1) {
    if (buf.length > MAX_REQUEST_LINE) return { kind: 'error', error: 'uri_too_long', detail: 'request line too long' }
    return { kind: 'need' }
  }
  if (first === 0 || (first === 1 && buf[0] === 0x0d)) return { kind: 'skip', bytes: first + 1 }
  if (first + 1 > MAX_REQUEST_LINE) return { kind: 'error', error: 'uri_too_long', detail: 'request line too long' }
  const requestLine = lineAt(buf, 0, first)
  const parts = requestLine.split(' ')
  if (parts.length !== 3) return { kind: 'error', error: 'bad_request', detail: 'malformed request line' }
  const [method, target, version] = parts as [string, string, string]
  if (!TOKEN.test(method)) return { kind: 'error', error: 'bad_request', detail: 'bad method' }
  if (target === '' || TARGET_BAD.test(target)) return { kind: 'error', error: 'bad_request', detail: 'bad target' }
  const v = VERSION.exec(version)
  if (!v) return { kind: 'error', error: 'bad_request', detail: 'bad version' }
  if (v[1] !== '1') return { kind: 'error', error: 'bad_version', detail: `unsupported ${version}` }

  const headers: Header[] = []
  let pos = first + 1
  for (;;) {
    const end = lf(buf, pos)
    if (end === -1) {
      if (buf.length - pos > MAX_HEADER_LINE) return { kind: 'error', error: 'header_too_large', detail: 'header line too long' }
      if (buf.length > MAX_HEAD_BYTES) return { kind: 'error', error: 'header_too_large', detail: 'request head too large' }
      return { kind: 'need' }
    }
    if (end + 1 - pos > MAX_HEADER_LINE) return { kind: 'error', error: 'header_too_large', detail: 'header line too long' }
    const line = lineAt(buf, pos, end)
    pos = end + 1
    if (line === '') return { kind: 'head', method, target, version, headers, consumed: pos }
    if (headers.length >= MAX_HEADER_COUNT) return { kind: 'error', error: 'too_many_headers', detail: 'too many header fields' }
    if (line.startsWith(' ') || line.startsWith('\t')) return { kind: 'error', error: 'bad_request', detail: 'obsolete line folding' }
    const colon = line.indexOf(':')
    if (colon <= 0) return { kind: 'error', error: 'bad_request', detail: "header line without ':'" }
    const name = line.slice(0, colon)
    if (!TOKEN.test(name)) return { kind: 'error', error: 'bad_request', detail: 'bad header name' }
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '')
    if (VALUE_BAD.test(value)) return { kind: 'error', error: 'bad_request', detail: 'control byte in header value' }
    headers.push([name, value])
  }
}

type BodyPlan = { kind: 'none' } | { kind: 'length'; n: number } | { kind: 'chunked' } | { kind: 'error'; error: ParseError; detail: string }

/** RFC 9112 §6.3: Transfer-Encoding wins; Content-Length must be one decimal number. */
export function bodyPlan(headers: readonly Header[]): BodyPlan {
  const te = headerValues(headers, 'transfer-encoding')
  if (te.length > 0) {
    const codings = te.join(',').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '')
    if (codings[codings.length - 1] !== 'chunked') return { kind: 'error', error: 'bad_transfer_encoding', detail: 'unsupported transfer coding' }
    return { kind: 'chunked' }
  }
  const cl = headerValues(headers, 'content-length')
  if (cl.length === 0) return { kind: 'none' }
  const values = new Set(cl.flatMap((v) => v.split(',').map((s) => s.trim())))
  if (values.size !== 1) return { kind: 'error', error: 'bad_request', detail: 'conflicting content-length' }
  const [only] = [...values] as [string]
  if (!/^\d{1,15}$/.test(only)) return { kind: 'error', error: 'bad_request', detail: 'bad content-length' }
  const n = Number(only)
  return n === 0 ? { kind: 'none' } : { kind: 'length', n }
}

type ChunkState = 'size' | 'data' | 'data_crlf' | 'trailer'

/**
 * Incremental reader: push() bytes, get complete requests (pipelining works)
 * or a single error after which the reader refuses everything.
 */
export class RequestReader {
  #buf: Buffer = Buffer.alloc(0)
  #head: Head | undefined
  #plan: BodyPlan = { kind: 'none' }
  #parts: Buffer[] = []
  #kept = 0
  #seen = 0
  #remaining = 0
  #chunk: ChunkState = 'size'
  #failed = false
  #expectContinue = false
  /** Chunks without a line end, held back so a slow drip is not re-parsed per byte. */
  #pending: Buffer[] = []
  #pendingLen = 0
  readonly #maxBodyKept: number

  /** `maxBodyKept`: body bytes kept per request (default MAX_BODY_KEPT); the rest is discarded. */
  constructor(opts: { maxBodyKept?: number } = {}) {
    this.#maxBodyKept = Math.max(0, Math.min(opts.maxBodyKept ?? MAX_BODY_KEPT, MAX_BODY_KEPT))
  }

  get failed(): boolean {
    return this.#failed
  }

  /** No request in progress and nothing buffered (between keep-alive requests). */
  get idle(): boolean {
    return this.#head === undefined && this.buffered === 0
  }

  /** Part of a request head has arrived, not all of it. */
  get readingHead(): boolean {
    return this.#head === undefined && this.buffered > 0
  }

  /** Bytes held for an incomplete head or chunk line (bounded). */
  get buffered(): number {
    return this.#buf.length + this.#pendingLen
  }

  /**
   * True once per request whose head asked `Expect: 100-continue` and whose
   * body is still outstanding (RFC 9110 §10.1.1): the server should send 100.
   */
  takeContinue(): boolean {
    const want = this.#expectContinue && this.#head !== undefined
    this.#expectContinue = false
    return want
  }

  push(data: Buffer): ReaderItem[] {
    if (this.#failed) return []
    this.#pending.push(data)
    this.#pendingLen += data.length
    // A head (or chunk-size line) can only complete at a LF: until one comes,
    // parse only every PARSE_EVERY bytes (to catch over-long lines).
    const inHead = this.#head === undefined || this.#plan.kind === 'chunked'
    if (inHead && data.indexOf(0x0a) < 0 && this.#pendingLen < PARSE_EVERY) return []
    this.#buf = this.#buf.length === 0 && this.#pending.length === 1 ? data : Buffer.concat([this.#buf, ...this.#pending])
    this.#pending = []
    this.#pendingLen = 0
    const out: ReaderItem[] = []
    for (;;) {
      const item = this.#step()
      if (item === undefined) break
      out.push(item)
      if (item.kind === 'error') {
        this.#failed = true
        this.#buf = Buffer.alloc(0)
        break
      }
    }
    return out
  }

  #step(): ReaderItem | undefined {
    for (;;) {
      if (this.#head === undefined) {
        if (this.#buf.length === 0) return undefined
        const r = parseHead(this.#buf)
        if (r.kind === 'need') return undefined
        if (r.kind === 'error') return r
        if (r.kind === 'skip') {
          this.#buf = this.#buf.subarray(r.bytes)
          continue
        }
        this.#buf = this.#buf.subarray(r.consumed ?? 0)
        const plan = bodyPlan(r.headers)
        if (plan.kind === 'error') return plan
        this.#head = r
        this.#plan = plan
        this.#expectContinue = plan.kind !== 'none' && r.version === 'HTTP/1.1' &&
          (headerValue(r.headers, 'expect') ?? '').toLowerCase() === '100-continue'
        this.#parts = []
        this.#kept = 0
        this.#seen = 0
        this.#chunk = 'size'
        this.#remaining = plan.kind === 'length' ? plan.n : 0
      }
      const done = this.#body()
      if (done === 'need') return undefined
      if (done !== 'done') return done
      const head = this.#head
      this.#head = undefined
      this.#expectContinue = false
      return {
        kind: 'request',
        request: {
          method: head.method,
          target: head.target,
          version: head.version,
          headers: head.headers,
          body: Buffer.concat(this.#parts),
          bodyBytes: this.#seen,
          bodyTruncated: this.#seen > this.#kept,
        },
      }
    }
  }

  #take(n: number): void {
    const slice = this.#buf.subarray(0, n)
    this.#buf = this.#buf.subarray(n)
    this.#seen += n
    const room = this.#maxBodyKept - this.#kept
    if (room > 0) {
      const keep = slice.subarray(0, Math.min(room, slice.length))
      this.#parts.push(Buffer.from(keep))
      this.#kept += keep.length
      // many tiny chunks: keep the part list short
      if (this.#parts.length > MAX_PARTS) this.#parts = [Buffer.concat(this.#parts)]
    }
  }

  #body(): 'done' | 'need' | ReaderItem {
    const plan = this.#plan
    if (plan.kind === 'none') return 'done'
    if (plan.kind === 'length') {
      const n = Math.min(this.#remaining, this.#buf.length)
      this.#take(n)
      this.#remaining -= n
      return this.#remaining === 0 ? 'done' : 'need'
    }
    // chunked (RFC 9112 §7.1)
    for (;;) {
      if (this.#chunk === 'data') {
        const n = Math.min(this.#remaining, this.#buf.length)
        this.#take(n)
        this.#remaining -= n
        if (this.#remaining > 0) return 'need'
        this.#chunk = 'data_crlf'
        continue
      }
      const end = lf(this.#buf, 0)
      if (end === -1) {
        return this.#buf.length > MAX_CHUNK_LINE
          ? { kind: 'error', error: 'bad_request', detail: 'chunk line too long' }
          : 'need'
      }
      if (end + 1 > MAX_CHUNK_LINE) return { kind: 'error', error: 'bad_request', detail: 'chunk line too long' }
      const line = lineAt(this.#buf, 0, end)
      this.#buf = this.#buf.subarray(end + 1)
      if (this.#chunk === 'data_crlf') {
        if (line !== '') return { kind: 'error', error: 'bad_request', detail: 'missing CRLF after chunk' }
        this.#chunk = 'size'
        continue
      }
      if (this.#chunk === 'trailer') {
        if (line === '') return 'done'
        continue
      }
      const size = line.split(';', 1)[0]?.trim() ?? ''
      if (!/^[0-9a-fA-F]{1,12}$/.test(size)) return { kind: 'error', error: 'bad_request', detail: 'bad chunk size' }
      const n = parseInt(size, 16)
      if (n === 0) {
        this.#chunk = 'trailer'
        continue
      }
      this.#remaining = n
      this.#chunk = 'data'
    }
  }
}
