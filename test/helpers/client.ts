// Clients that connect from a chosen loopback source address (the emulator
// helper's `client`), so captures are checked against the peer, not the server.
// undici is not importable here (only bundled inside Node's global fetch), so
// clientFetch is a small fetch over node:http / node:https with localAddress.
import http from 'node:http'
import https from 'node:https'

export type ClientFetch = (url: string | URL, init?: RequestInit) => Promise<Response>

const NULL_BODY = new Set([101, 103, 204, 205, 304])

/** fetch() whose connections come from `localAddress`; follows redirects unless redirect: 'manual'. */
export function clientFetch(localAddress: string): ClientFetch {
  const once = async (url: URL, init: RequestInit): Promise<Response> => {
    // let Request encode the body (string, URLSearchParams, FormData) and its content-type
    const req = new Request(url, init)
    const body = init.body == null ? undefined : Buffer.from(await req.arrayBuffer())
    const headers: Record<string, string> = {}
    req.headers.forEach((v, k) => (headers[k] = v))
    if (body) headers['content-length'] = String(body.length)
    const mod = url.protocol === 'https:' ? https : http
    return new Promise((resolve, reject) => {
      const r = mod.request(url, { method: req.method, headers, localAddress, agent: false, rejectUnauthorized: false }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        res.on('end', () => {
          const h = new Headers()
          for (const [k, v] of Object.entries(res.headers)) {
            if (Array.isArray(v)) for (const x of v) h.append(k, x)
            else if (v !== undefined) h.set(k, v)
          }
          const status = res.statusCode ?? 0
          resolve(new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage, headers: h }))
        })
      })
      r.on('error', reject)
      r.end(body)
    })
  }
  return async (input, init = {}) => {
    let url = new URL(String(input))
    let cur = init
    for (let hops = 0; ; hops++) {
      const res = await once(url, cur)
      const loc = res.headers.get('location')
      if (init.redirect === 'manual' || ![301, 302, 303, 307, 308].includes(res.status) || !loc || hops >= 5) return res
      url = new URL(loc, url)
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && cur.method === 'POST')) cur = { ...cur, method: 'GET', body: undefined }
    }
  }
}
