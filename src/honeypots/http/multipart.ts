// multipart/form-data (RFC 7578), read once for both its users: login forms
// (text parts → credentials) and uploads (file parts → quarantine).

/** Most parts read from one body; past it the rest is ignored. */
export const MAX_MULTIPART_PARTS = 200
const MAX_BOUNDARY = 200

export interface MultipartPart {
  /** The form field name (Content-Disposition name=). */
  name?: string
  /** Present (maybe empty) for file parts. */
  filename?: string
  data: Buffer
  /** False for the last part of a truncated body: what arrived, no closing delimiter. */
  complete: boolean
}

export function multipartParts(body: Buffer, contentType: string): MultipartPart[] {
  const m = /;\s*boundary=(?:"([^"]*)"|([^;\s]*))/i.exec(contentType)
  const b = m?.[1] ?? m?.[2]
  if (b === undefined || b === '' || b.length > MAX_BOUNDARY) return []
  const delim = Buffer.from(`--${b}`, 'latin1')
  const out: MultipartPart[] = []
  let pos = body.indexOf(delim)
  while (pos >= 0 && out.length < MAX_MULTIPART_PARTS) {
    const start = pos + delim.length
    let next = body.indexOf(delim, start)
    const complete = next >= 0
    if (!complete) next = body.length
    const part = body.subarray(start, next)
    const headEnd = part.indexOf('\r\n\r\n')
    if (headEnd >= 0) {
      const disp = /content-disposition:[^\r\n]*/i.exec(part.subarray(0, headEnd).toString('utf8'))?.[0] ?? ''
      let data = part.subarray(headEnd + 4)
      // the CRLF before the next delimiter belongs to the delimiter
      if (complete && data.length >= 2 && data[data.length - 2] === 0x0d && data[data.length - 1] === 0x0a) data = data.subarray(0, data.length - 2)
      out.push({
        name: /\bname="([^"]*)"/i.exec(disp)?.[1],
        filename: /\bfilename="([^"]*)"/i.exec(disp)?.[1] ?? (/\bfilename=/i.test(disp) ? '' : undefined),
        data,
        complete,
      })
    }
    if (!complete) break
    pos = next
  }
  return out
}
