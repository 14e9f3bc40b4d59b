// Files an attacker sends (PUT bodies, multipart file parts: web shells,
// droppers) go to the artifact quarantine; the store emits `artifact`.
import type { HoneypotContext, Session } from '../../runtime/context.js'
import { parseAuthParams } from './credentials.js'
import { headerValue, type HttpRequest } from './parser.js'

/** Most file parts read from one multipart body. */
const MAX_PARTS = 16

export interface Upload {
  name: string
  data: Buffer
  field?: string
}

/** File parts (those with a filename) of a multipart/form-data body. */
export function multipartFiles(body: Buffer, contentType: string): Upload[] {
  const b = parseAuthParams(contentType.slice(contentType.indexOf(';') + 1)).get('boundary')
  if (b === undefined || b === '' || b.length > 200) return []
  const delim = Buffer.from(`--${b}`, 'latin1')
  const out: Upload[] = []
  let pos = body.indexOf(delim)
  while (pos >= 0 && out.length < MAX_PARTS) {
    const start = pos + delim.length
    let next = body.indexOf(delim, start)
    const last = next < 0
    if (last) next = body.length // truncated body: keep what arrived
    const part = body.subarray(start, next)
    const headEnd = part.indexOf('\r\n\r\n')
    if (headEnd >= 0) {
      const head = part.subarray(0, headEnd).toString('utf8')
      const disp = /content-disposition:[^\r\n]*/i.exec(head)?.[0] ?? ''
      const filename = /\bfilename="([^"]*)"/i.exec(disp)?.[1]
      if (filename !== undefined) {
        let data = part.subarray(headEnd + 4)
        if (!last && data.length >= 2 && data[data.length - 2] === 0x0d && data[data.length - 1] === 0x0a) data = data.subarray(0, data.length - 2)
        out.push({ name: filename || 'upload', data: Buffer.from(data), field: /\bname="([^"]*)"/i.exec(disp)?.[1] })
      }
    }
    if (last) break
    pos = next
  }
  return out
}

/** What a request uploads: a PUT body, or the file parts of a multipart POST. */
export function uploadsOf(req: HttpRequest, path: string): Upload[] {
  if (req.body.length === 0) return []
  const ct = headerValue(req.headers, 'content-type') ?? ''
  if (/^multipart\/form-data/i.test(ct) && (req.method === 'POST' || req.method === 'PUT')) return multipartFiles(req.body, ct)
  if (req.method === 'PUT') return [{ name: path.split('/').filter((s) => s !== '').pop() ?? 'put-body', data: req.body }]
  return []
}

export function saveUploads(ctx: HoneypotContext, session: Session, req: HttpRequest, path: string): void {
  for (const u of uploadsOf(req, path)) {
    ctx.artifacts
      .save({
        name: u.name,
        data: u.data.subarray(0, ctx.artifacts.maxFileBytes),
        peer: session.peer,
        fields: { method: req.method, url_path: path, form_field: u.field, truncated: req.bodyTruncated || undefined },
      })
      .catch((err: unknown) => ctx.log.warn(`artifact save failed: ${err instanceof Error ? err.message : String(err)}`))
  }
}
