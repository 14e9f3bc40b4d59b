// A small bounded MIME reader: the headers an event names (Subject, From,
// Message-ID) and the attachments (leaf parts with a filename), decoded from
// base64 / quoted-printable. Work is bounded by the message (already capped),
// nesting depth, part count and decoded bytes; malformed input yields fewer
// parts, never an exception.

export const MIME_LIMITS = Object.freeze({
  maxDepth: 5,
  maxParts: 64,
  maxAttachments: 20,
  /** Header block scanned per part. */
  maxHeaderBytes: 64 * 1024,
  maxHeaderValue: 512,
})

export interface Attachment {
  filename: string
  contentType: string
  data: Buffer
}

export interface ParsedMessage {
  subject?: string
  from?: string
  to?: string
  messageId?: string
  contentType?: string
  attachments: Attachment[]
}

type Headers = Map<string, string>

const CRLFCRLF = Buffer.from('\r\n\r\n')
const LFLF = Buffer.from('\n\n')

/** Splits a part into its (unfolded, lower-cased names) headers and body. */
function splitPart(b: Buffer): { headers: Headers; body: Buffer } {
  let end = b.indexOf(CRLFCRLF)
  let sep = 4
  const lf = b.indexOf(LFLF)
  if (lf >= 0 && (end < 0 || lf < end)) {
    end = lf
    sep = 2
  }
  if (end < 0 || end > MIME_LIMITS.maxHeaderBytes) {
    // a message with no body (or a header block too large to look at)
    if (end < 0 && b.length <= MIME_LIMITS.maxHeaderBytes) return { headers: parseHeaders(b.toString('latin1')), body: Buffer.alloc(0) }
    return { headers: new Map(), body: b }
  }
  return { headers: parseHeaders(b.subarray(0, end).toString('latin1')), body: b.subarray(end + sep) }
}

function parseHeaders(text: string): Headers {
  const h: Headers = new Map()
  const unfolded = text.replace(/\r?\n[ \t]+/g, ' ')
  for (const line of unfolded.split(/\r?\n/)) {
    const c = line.indexOf(':')
    if (c <= 0) continue
    const name = line.slice(0, c).trim().toLowerCase()
    if (!h.has(name)) h.set(name, line.slice(c + 1).trim())
  }
  return h
}

/** A parameter of a structured header (boundary, name, filename, filename*). */
function param(value: string | undefined, key: string): string | undefined {
  if (!value) return undefined
  const re = new RegExp(`(?:^|;)\\s*${key}(\\*)?\\s*=\\s*("(?:[^"\\\\]|\\\\.)*"|[^;]*)`, 'i')
  const m = re.exec(value)
  if (!m) return undefined
  let v = (m[2] ?? '').trim()
  if (v.startsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1')
  if (m[1]) {
    // RFC 2231: charset'lang'percent-encoded
    const q = /^([^']*)'[^']*'(.*)$/.exec(v)
    if (q) {
      try {
        v = Buffer.from(decodeURIComponent((q[2] ?? '').replace(/%(?![0-9a-f]{2})/gi, '%25')), 'utf8').toString('utf8')
      } catch {
        v = q[2] ?? v
      }
    }
  }
  return v
}

/** RFC 2047 encoded words (B and Q), best effort. */
export function decodeWords(s: string): string {
  return s.replace(/=\?([^?]+)\?([bqBQ])\?([^?]*)\?=/g, (_all, charset: string, enc: string, text: string) => {
    const bytes = enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1')
    return /^utf-?8$/i.test(charset) ? bytes.toString('utf8') : bytes.toString('latin1')
  })
}

function qpDecode(b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(b.length)
  let n = 0
  for (let i = 0; i < b.length; i++) {
    const c = b[i] as number
    if (c === 0x3d) {
      const h = b.subarray(i + 1, i + 3).toString('latin1')
      if (/^[0-9a-fA-F]{2}$/.test(h)) {
        out[n++] = parseInt(h, 16)
        i += 2
        continue
      }
      // soft line break
      if (b[i + 1] === 0x0d && b[i + 2] === 0x0a) {
        i += 2
        continue
      }
      if (b[i + 1] === 0x0a) {
        i += 1
        continue
      }
    }
    out[n++] = c
  }
  return out.subarray(0, n)
}

function decodeBody(body: Buffer, cte: string | undefined): Buffer {
  const e = (cte ?? '').trim().toLowerCase()
  if (e === 'base64') return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64')
  if (e === 'quoted-printable') return qpDecode(body)
  return body
}

/** The parts of a multipart body between `--boundary` delimiter lines. */
function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const delim = Buffer.from(`--${boundary}`, 'latin1')
  const parts: Buffer[] = []
  let at = body.indexOf(delim)
  while (at >= 0 && parts.length < MIME_LIMITS.maxParts) {
    const lineEnd = body.indexOf(0x0a, at + delim.length)
    if (body.subarray(at + delim.length, at + delim.length + 2).toString('latin1') === '--' || lineEnd < 0) break
    let next = body.indexOf(delim, lineEnd + 1)
    // the delimiter must start a line
    while (next > 0 && body[next - 1] !== 0x0a) next = body.indexOf(delim, next + 1)
    let end = next < 0 ? body.length : next
    if (next >= 0) {
      if (body[end - 1] === 0x0a) end--
      if (body[end - 1] === 0x0d) end--
    }
    parts.push(body.subarray(lineEnd + 1, Math.max(lineEnd + 1, end)))
    at = next
  }
  return parts
}

const clip = (s: string | undefined) => (s === undefined ? undefined : decodeWords(s).slice(0, MIME_LIMITS.maxHeaderValue))

export function parseMessage(raw: Buffer): ParsedMessage {
  const { headers, body } = splitPart(raw)
  const out: ParsedMessage = {
    subject: clip(headers.get('subject')),
    from: clip(headers.get('from')),
    to: clip(headers.get('to')),
    messageId: clip(headers.get('message-id')),
    contentType: clip(headers.get('content-type')?.split(';')[0]?.trim().toLowerCase()),
    attachments: [],
  }
  let parts = 0
  const walk = (h: Headers, b: Buffer, depth: number): void => {
    if (++parts > MIME_LIMITS.maxParts || out.attachments.length >= MIME_LIMITS.maxAttachments) return
    const ct = h.get('content-type') ?? 'text/plain'
    const type = ct.split(';')[0]?.trim().toLowerCase() ?? 'text/plain'
    if (type.startsWith('multipart/')) {
      const boundary = param(ct, 'boundary')
      if (!boundary || depth >= MIME_LIMITS.maxDepth) return
      for (const p of splitMultipart(b, boundary)) {
        const s = splitPart(p)
        walk(s.headers, s.body, depth + 1)
      }
      return
    }
    if (type === 'message/rfc822' && depth < MIME_LIMITS.maxDepth) {
      const s = splitPart(b)
      walk(s.headers, s.body, depth + 1)
      return
    }
    const name = param(h.get('content-disposition'), 'filename') ?? param(ct, 'name')
    if (name === undefined || name === '') return
    out.attachments.push({ filename: decodeWords(name).slice(0, 255), contentType: type.slice(0, 128), data: decodeBody(b, h.get('content-transfer-encoding')) })
  }
  walk(headers, body, 0)
  return out
}
