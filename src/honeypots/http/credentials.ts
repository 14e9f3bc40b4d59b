// Credential extraction from HTTP requests (upstream's classify_authorization
// / extract_form_credentials: Basic RFC 7617, Digest RFC 7616, Bearer RFC 6750,
// login forms), extended to multipart
// forms, Jenkins/Tomcat field names and WordPress XML-RPC logins.
import { encodeSecret } from '../../events/event.js'
import { headerValue, type Header } from './parser.js'
import { multipartParts } from './multipart.js'

export interface Credential {
  principal?: string
  secret_kind: 'plaintext' | 'http_bearer' | 'http_digest_md5'
  secret_printable: string
  secret_b64: string
  /** Extra protocol fields (digest params, form field names, ...). */
  extra: Record<string, string>
}

const STRICT_B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const MAX_FIELD = 1024

export const USER_FIELDS = [
  'username', 'user', 'email', 'login', 'userid', 'account', 'log', 'user_login', 'uname', 'pma_username',
  'j_username', 'usr', 'user_name', 'loginname', 'login_username', 'name',
] as const
export const PASSWORD_FIELDS = [
  'password', 'pass', 'pwd', 'passwd', 'passwort', 'mot_de_passe', 'user_password', 'pma_password',
  'j_password', 'login_password', 'pword', 'secret',
] as const

function cap(s: string): string {
  return s.length > MAX_FIELD ? s.slice(0, MAX_FIELD) : s
}

/** `k="v"` / `k=v` pairs of a Digest header (RFC 7616 §3.4). */
export function parseAuthParams(s: string): Map<string, string> {
  const out = new Map<string, string>()
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g
  for (const m of s.matchAll(re)) {
    const key = (m[1] ?? '').toLowerCase()
    if (!out.has(key)) out.set(key, cap(m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '')))
  }
  return out
}

/** Authorization header → credential, or undefined for schemes we do not read. */
export function classifyAuthorization(header: string): Credential | undefined {
  const trimmed = header.trim()
  const sp = trimmed.search(/\s/)
  if (sp <= 0) return undefined
  const scheme = trimmed.slice(0, sp).toLowerCase()
  const rest = trimmed.slice(sp).trim()
  if (scheme === 'basic') {
    if (!STRICT_B64.test(rest)) return undefined
    const raw = Buffer.from(rest, 'base64')
    const colon = raw.indexOf(0x3a)
    if (colon < 0) return undefined
    const user = raw.subarray(0, colon).toString('utf8')
    return { principal: cap(user), secret_kind: 'plaintext', ...encodeSecret(raw.subarray(colon + 1)), extra: { auth_scheme: 'basic' } }
  }
  if (scheme === 'bearer' || scheme === 'token') {
    if (rest === '') return undefined
    return { secret_kind: 'http_bearer', ...encodeSecret(cap(rest)), extra: { auth_scheme: scheme } }
  }
  if (scheme === 'digest') {
    const params = parseAuthParams(rest)
    const response = params.get('response')
    if (response === undefined) return undefined
    const digest: Record<string, string> = {}
    for (const k of ['realm', 'nonce', 'uri', 'algorithm', 'qop', 'nc', 'cnonce', 'opaque']) {
      const v = params.get(k)
      if (v !== undefined) digest[k] = v
    }
    return {
      principal: params.get('username'),
      secret_kind: 'http_digest_md5',
      ...encodeSecret(response),
      extra: { auth_scheme: 'digest', digest_params: JSON.stringify(digest) },
    }
  }
  return undefined
}

function pickCredential(fields: Map<string, string>, source: string): Credential | undefined {
  const pw = PASSWORD_FIELDS.find((k) => fields.has(k))
  if (pw === undefined) return undefined
  const user = USER_FIELDS.find((k) => fields.has(k))
  return {
    principal: user !== undefined ? cap(fields.get(user) ?? '') : undefined,
    secret_kind: 'plaintext',
    ...encodeSecret(cap(fields.get(pw) ?? '')),
    extra: { source, ...(user !== undefined ? { user_field: user } : {}), password_field: pw },
  }
}

function decodeForm(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '))
  } catch {
    return s.replace(/\+/g, ' ')
  }
}

/** application/x-www-form-urlencoded: keys lower-cased, first occurrence wins. */
export function parseUrlEncoded(body: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const pair of body.split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const k = decodeForm(eq < 0 ? pair : pair.slice(0, eq)).toLowerCase()
    const v = eq < 0 ? '' : decodeForm(pair.slice(eq + 1))
    if (!out.has(k)) out.set(k, v)
  }
  return out
}

/** multipart/form-data (RFC 7578): complete text parts only, names lower-cased, first wins. */
export function parseMultipart(body: Buffer, contentType: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const p of multipartParts(body, contentType)) {
    if (!p.complete || p.name === undefined || p.filename !== undefined) continue
    const key = p.name.toLowerCase()
    if (!out.has(key)) out.set(key, p.data.toString('utf8'))
  }
  return out
}

/** Form fields of a request body, or undefined for other content types. */
export function formFields(headers: readonly Header[], body: Buffer): { fields: Map<string, string>; source: string } | undefined {
  const ct = (headerValue(headers, 'content-type') ?? '').toLowerCase()
  if (ct.startsWith('application/x-www-form-urlencoded')) return { fields: parseUrlEncoded(body.toString('latin1')), source: 'form' }
  if (ct.startsWith('multipart/form-data')) return { fields: parseMultipart(body, headerValue(headers, 'content-type') ?? ''), source: 'multipart' }
  return undefined
}

/** Login form posts (urlencoded or multipart). */
export function extractFormCredentials(headers: readonly Header[], body: Buffer): Credential | undefined {
  const form = formFields(headers, body)
  if (!form) return undefined
  if (form.source === 'form') {
    // URL-decoding works on bytes; redo values as UTF-8.
    const utf8 = parseUrlEncoded(body.toString('utf8'))
    return pickCredential(utf8, 'form')
  }
  return pickCredential(form.fields, form.source)
}

function xmlText(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&')
}

/**
 * WordPress XML-RPC brute force: wp.getUsersBlogs / wp.getProfile / ... take
 * (username, password) as the first two string params (or params 2-3 for
 * blog-scoped calls). Only the first call of a system.multicall is read.
 */
export function extractXmlRpcCredentials(body: string): Credential | undefined {
  let method = /<methodName>\s*([^<]{1,100})\s*<\/methodName>/.exec(body)?.[1]?.trim()
  if (method === undefined) return undefined
  let strings = [...body.matchAll(/<value>\s*(?:<string>([^<]*)<\/string>|([^<]+))\s*<\/value>/g)]
    .slice(0, 8)
    .map((m) => xmlText(m[1] ?? m[2] ?? ''))
  if (method === 'system.multicall') {
    // [{methodName: 'wp.getUsersBlogs', params: [user, pass]}, ...]: the inner name comes first
    method = strings[0] ?? method
    strings = strings.slice(1)
  }
  const blogScoped = /^(wp\.(get|new|edit|delete)(Post|Posts|Page|Pages|Comment|Comments|Options|Users|User|Profile|Terms|Term|Taxonomy|Taxonomies|MediaLibrary|PostFormats|Authors|Tags|Categories|CommentCount|CommentStatusList|PostStatusList|PageStatusList|PageTemplates|PostType|PostTypes|Revisions)|wp\.uploadFile|wp\.getMediaItem)$/.test(method) && method !== 'wp.getUsersBlogs'
  const [user, pw] = blogScoped && strings.length >= 3 ? [strings[1], strings[2]] : [strings[0], strings[1]]
  if (user === undefined || pw === undefined) return undefined
  return { principal: cap(user), secret_kind: 'plaintext', ...encodeSecret(cap(pw)), extra: { source: 'xmlrpc', xmlrpc_method: method } }
}
