// Files an attacker sends (PUT bodies, multipart file parts: web shells,
// droppers) go to the artifact quarantine; the store emits `artifact`.
import type { HoneypotContext, Session } from '../../runtime/context.js'
import { multipartParts } from './multipart.js'
import { headerValue, type HttpRequest } from './parser.js'

/** Most file parts stored from one multipart body. */
const MAX_PARTS = 16

export interface Upload {
  name: string
  data: Buffer
  field?: string
}

/** File parts (those with a filename) of a multipart/form-data body; a truncated last part keeps what arrived. */
export function multipartFiles(body: Buffer, contentType: string): Upload[] {
  return multipartParts(body, contentType)
    .filter((p) => p.filename !== undefined)
    .slice(0, MAX_PARTS)
    .map((p) => ({ name: p.filename || 'upload', data: Buffer.from(p.data), field: p.name }))
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
