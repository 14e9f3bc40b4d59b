// Decides the answer to one parsed request: files, skin, custom body,
// configured status, default page, or the server's own error pages.
import type { HttpRequest } from './parser.js'
import { html, type ErrorInfo, type Response } from './response.js'
import type { Persona } from './persona.js'
import type { AppEnv, AppRequest } from './apps/app.js'
import { APPS } from './apps/index.js'
import { readServedFile } from './files.js'
import { formFields } from './credentials.js'
import { apacheDefaultPage, iisStartPage, nginxDefaultPage } from './pages/defaults.js'

const KNOWN_METHODS = new Set([
  'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT',
  'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'SEARCH', 'REPORT',
])
const HOST_OK = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]*)(?::\d{1,5})?$/

export interface Target {
  /** Path as sent (percent-encoded), without the query. */
  rawPath: string
  query: string
  /** Decoded path with dot segments removed. */
  path: string
}

export type TargetResult = Target | { error: 400 | 404 }

/** RFC 3986 §5.2.4 remove_dot_segments; undefined when it climbs above the root. */
export function removeDotSegments(path: string): string | undefined {
  const out: string[] = []
  const segs = path.split('/')
  for (let i = 1; i < segs.length; i++) {
    const s = segs[i] as string
    if (s === '.') {
      if (i === segs.length - 1) out.push('')
      continue
    }
    if (s === '..') {
      if (out.length === 0) return undefined
      out.pop()
      if (i === segs.length - 1) out.push('')
      continue
    }
    out.push(s)
  }
  return '/' + out.join('/')
}

export function parseTarget(target: string): TargetResult {
  let t = target
  const abs = /^https?:\/\/[^/?#]*/i.exec(t)
  if (abs) t = t.slice(abs[0].length) || '/'
  if (t === '*') return { rawPath: '*', query: '', path: '*' }
  if (!t.startsWith('/')) return { error: 400 }
  const q = t.indexOf('?')
  const rawPath = (q < 0 ? t : t.slice(0, q)).split('#')[0] ?? ''
  const query = q < 0 ? '' : t.slice(q + 1)
  if (/%(?![0-9A-Fa-f]{2})/.test(rawPath)) return { error: 400 }
  // Apache: AllowEncodedSlashes Off → 404; NUL → 404
  if (/%2f|%00/i.test(rawPath)) return { error: 404 }
  let decoded: string
  try {
    decoded = decodeURIComponent(rawPath)
  } catch {
    decoded = unescape(rawPath)
  }
  const path = removeDotSegments(decoded.replace(/\/{2,}/g, '/'))
  if (path === undefined) return { error: 400 }
  return { rawPath, query, path }
}

/** Host header value checked the way Apache does (one, well-formed, required for 1.1). */
export function requestHost(req: HttpRequest): { ok: boolean; host?: string; port?: number } {
  const hosts = req.headers.filter(([n]) => n.toLowerCase() === 'host')
  const abs = /^https?:\/\/([^/?#]*)/i.exec(req.target)?.[1]
  if (hosts.length > 1) return { ok: false }
  const value = abs ?? hosts[0]?.[1]
  if (value === undefined) return { ok: req.version === 'HTTP/1.0' }
  if (!HOST_OK.test(value)) return { ok: false }
  const m = /^(.*?)(?::(\d{1,5}))?$/.exec(value)
  const port = m?.[2] !== undefined ? Number(m[2]) : undefined
  if (port !== undefined && port > 65535) return { ok: false }
  return { ok: true, host: m?.[1] ?? value, port }
}

export interface RouteInput {
  req: HttpRequest
  target: Target
  persona: Persona
  /** Host for pages: Host header without port, or the persona hostname. */
  host: string
  port: number
  scheme: 'http' | 'https'
  /** Host header as sent (with port), for absolute URLs. */
  authority: string
}

export function errorInfo(input: Pick<RouteInput, 'host' | 'port'>, status: number, method: string, path: string): ErrorInfo {
  return { status, method, path, host: input.host, port: input.port }
}

function defaultPage(p: Persona, req: AppRequest, env: AppEnv): Response {
  const app = APPS[p.app]
  if (app?.index) return app.index(req, env)
  const mtime = { mtime: p.installDate }
  switch (p.flavor.name) {
    case 'nginx': return { ...html(200, nginxDefaultPage()), file: mtime }
    case 'iis': return { ...html(200, iisStartPage(p.windowsServer)), file: mtime }
    case 'tomcat': return (APPS.tomcat?.index?.(req, env)) ?? env.error(404)
    case 'jetty': return (APPS.jenkins?.index?.(req, env)) ?? env.error(404)
    default: return { ...html(200, apacheDefaultPage(p.vendor)), file: mtime }
  }
}

/** Paths that show the default page, per flavour (DirectoryIndex / index / default document). */
const INDEX_PATHS: Readonly<Record<string, ReadonlySet<string>>> = Object.freeze({
  apache: new Set(['/', '/index.html']),
  nginx: new Set(['/', '/index.html', '/index.nginx-debian.html']),
  iis: new Set(['/', '/iisstart.htm']),
  tomcat: new Set(['/', '/index.jsp']),
  jetty: new Set(['/']),
})

/**
 * RFC 9110 §13: a static resource the client already has → 304 without a
 * body (If-None-Match wins over If-Modified-Since).
 */
export function conditional(req: HttpRequest, res: Response, f: Persona['flavor']): Response {
  if (res.status !== 200 || !res.file || (req.method !== 'GET' && req.method !== 'HEAD')) return res
  const etag = f.etag(res.body.length, res.file.mtime)
  const inm = req.headers.find(([n]) => n.toLowerCase() === 'if-none-match')?.[1]
  const ims = req.headers.find(([n]) => n.toLowerCase() === 'if-modified-since')?.[1]
  let fresh = false
  if (inm !== undefined) fresh = inm.trim() === '*' || inm.split(',').map((s) => s.trim().replace(/^W\//, '')).includes(etag.replace(/^W\//, ''))
  else if (ims !== undefined) {
    const since = Date.parse(ims)
    fresh = !Number.isNaN(since) && Math.floor(res.file.mtime.getTime() / 1000) * 1000 <= since
  }
  if (!fresh) return res
  return { status: 304, headers: [], body: Buffer.alloc(0), file: { mtime: res.file.mtime, size: res.body.length } }
}

export async function route(input: RouteInput): Promise<Response> {
  const res = await routeRequest(input)
  return conditional(input.req, res, input.persona.flavor)
}

async function routeRequest(input: RouteInput): Promise<Response> {
  const { req, target, persona: p } = input
  const f = p.flavor
  const method = req.method
  const info = (status: number) => errorInfo(input, status, method, target.path)
  const env: AppEnv = {
    flavor: f,
    hostname: p.hostname,
    rng: p.rng,
    installDate: p.installDate,
    error: (status, extra = {}) => f.errorPage({ ...info(status), ...extra }),
  }
  if (method === 'OPTIONS') return f.options(info(200))
  if (!KNOWN_METHODS.has(method)) return f.name === 'apache' ? env.error(501) : env.error(405, { allow: f.allow })
  if (method === 'TRACE' || method === 'CONNECT') return env.error(405, { allow: f.allow })

  if (p.filesDir !== undefined && (method === 'GET' || method === 'HEAD' || method === 'POST')) {
    const file = await readServedFile(p.filesDir, target.path)
    if (file && 'redirect' in file) return env.error(301, { location: `${input.scheme}://${input.authority}${encodeURI(file.redirect)}` })
    if (file) return { status: 200, contentType: file.contentType, headers: [], body: file.data, file: { mtime: file.mtime } }
  }

  const form = method === 'POST' || method === 'PUT' ? formFields(req.headers, req.body)?.fields : undefined
  const appReq: AppRequest = {
    method,
    path: target.path,
    query: target.query,
    headers: req.headers,
    body: req.body,
    form,
    baseUrl: `${input.scheme}://${input.authority}`,
  }
  const app = APPS[p.app]
  const routed = app?.route(appReq, env)
  if (routed) return routed

  if (p.customBody !== undefined) return html(p.responseCode, p.customBody, 'text/html; charset=UTF-8')
  if (p.responseCode !== 200) return env.error(p.responseCode)

  if (INDEX_PATHS[f.name]?.has(target.path)) {
    if (method === 'GET' || method === 'HEAD' || (method === 'POST' && (f.name === 'apache' || app !== undefined))) {
      return defaultPage(p, appReq, env)
    }
    return env.error(405, { allow: f.name === 'iis' ? 'GET, HEAD, OPTIONS, TRACE' : f.allow })
  }
  return env.error(404)
}
