// Event → rows: the ingester's rules (fields: docs/events.md).
//  - every event → `events`
//  - `secret_b64` (strict base64) → `credentials`; principal = principal ?? username
//  - ja3/ja3s/ja4/ja4s/ja4l/ja4h/ja4_quic/hassh/hassh_server/jarm fields → one fingerprint each
//  - http user agent (`user_agent`, or User-Agent in `headers`) → http_useragent
//  - `client_version` → <service>_client_version (vnc_client_version, ...)
//  - `artifact` events (and upstream's file_captured/message_stored) with sha256 → `artifacts`
//  - source address → `attackers` (skipped when the event has none)
import { createHash } from 'node:crypto'
import { isIP } from 'node:net'
import type { DecnetEvent, EventFields } from '../events/event.js'
import { ATTACKER_LIST_CAPS, mergeList } from './attackers.js'
import { toolOf } from '../fingerprints/tools.js'
import type { ArtifactRow, AttackerUpdate, Batch, CredentialRow, EventRow, FingerprintRow } from './types.js'

export const INGEST_LIMITS = Object.freeze({
  /** Longest principal kept (upstream 256). */
  principal: 512,
  /** Longest secret_b64 kept; the sha256 is always over the whole secret. */
  secretB64: 16384,
  secretPrintable: 4096,
  outcome: 16,
  secretKind: 64,
  fingerprintValue: 1024,
  extraValue: 256,
})

/** Where a source address may be, first present wins (foreign emitters use the others). */
const SRC_KEYS = ['src_ip', 'src', 'client_ip', 'remote_ip', 'remote_addr', 'ip'] as const
const FINGERPRINT_FIELDS = ['ja3', 'ja3s', 'ja4', 'ja4s', 'ja4l', 'ja4ls', 'ja4h', 'ja4_quic', 'hassh', 'hassh_server', 'jarm'] as const
const FINGERPRINT_CONTEXT = ['sni', 'alpn', 'tls_version', 'dst_port', 'ssh_version', 'client_version', 'method', 'path', 'proto'] as const
/** Event types that make an artifact row (the ingester also commits them at once). */
export const ARTIFACT_TYPES: ReadonlySet<string> = new Set(['artifact', 'file_captured', 'message_stored'])
const STRICT_B64 = /^[A-Za-z0-9+/]*={0,2}$/
const SHA256_HEX = /^[a-f0-9]{64}$/

export interface Source {
  ip: string
  port: number | null
}

function portOf(s: string | undefined): number | null {
  if (s === undefined || !/^\d{1,5}$/.test(s)) return null
  const n = Number(s)
  return n <= 65535 ? n : null
}

/** The peer address of an event: `src_ip` etc., accepting `ip:port` and `[v6]:port`. */
export function sourceOf(f: EventFields): Source | undefined {
  for (const k of SRC_KEYS) {
    const v = f[k]
    if (!v) continue
    if (isIP(v)) return { ip: v, port: portOf(f.src_port ?? f.remote_port) }
    const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(v)
    if (m && isIP(m[1]!)) return { ip: m[1]!, port: portOf(f.src_port) ?? portOf(m[2]) }
    const bracketed = /^\[([^\]]+)\]$/.exec(v)
    if (bracketed && isIP(bracketed[1]!)) return { ip: bracketed[1]!, port: portOf(f.src_port) }
  }
  return undefined
}

/** Strict base64 (RFC 4648 alphabet, padded, canonical); undefined if not. */
export function strictBase64(s: string): Buffer | undefined {
  if (s.length % 4 !== 0 || !STRICT_B64.test(s)) return undefined
  const bytes = Buffer.from(s, 'base64')
  return bytes.toString('base64') === s ? bytes : undefined
}

function printable(bytes: Buffer): string {
  let out = ''
  for (const b of bytes) out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '?'
  return out
}

export function credentialOf(ev: DecnetEvent, attackerIp: string): CredentialRow | undefined {
  const f = ev.fields
  if (f.secret_b64 === undefined) return undefined
  const bytes = strictBase64(f.secret_b64)
  if (!bytes) return undefined
  const principal = f.principal ?? f.username
  const b64 = f.secret_b64.length > INGEST_LIMITS.secretB64 ? f.secret_b64.slice(0, INGEST_LIMITS.secretB64) : f.secret_b64
  return {
    time: ev.time,
    attacker_ip: attackerIp,
    decky: ev.decky,
    service: ev.service,
    principal: principal === undefined ? null : principal.slice(0, INGEST_LIMITS.principal),
    secret_kind: (f.secret_kind || 'plaintext').slice(0, INGEST_LIMITS.secretKind),
    secret_sha256: createHash('sha256').update(bytes).digest('hex'),
    secret_b64: b64,
    secret_printable: (f.secret_printable ?? printable(bytes)).slice(0, INGEST_LIMITS.secretPrintable),
    outcome: f.outcome ? f.outcome.slice(0, INGEST_LIMITS.outcome) : null,
    fields: f,
  }
}

export function artifactOf(ev: DecnetEvent, src: Source | undefined): ArtifactRow | undefined {
  const f = ev.fields
  if (!ARTIFACT_TYPES.has(ev.type) || !f.sha256 || !SHA256_HEX.test(f.sha256)) return undefined
  const size = Number(f.size)
  return {
    time: ev.time,
    sha256: f.sha256,
    size: Number.isSafeInteger(size) && size >= 0 ? size : 0,
    stored_as: f.stored_as ?? '',
    path: f.path ?? '',
    name: f.name ?? f.orig_path ?? f.stored_as ?? '',
    decky: ev.decky,
    service: ev.service,
    src_ip: src?.ip ?? null,
    // the artifact event's own field, as the store wrote it (true/false); upstream emitters say 1/True
    truncated: /^(true|1|yes)$/i.test(f.truncated ?? ''),
  }
}

/** User-Agent from `headers`: a JSON object, [[name, value]…], [{name, value}…] or ["Name: value"…]. */
export function userAgentFromHeaders(text: string): string | undefined {
  let h: unknown
  try {
    h = JSON.parse(text)
  } catch {
    return undefined
  }
  const isUa = (k: unknown) => typeof k === 'string' && k.toLowerCase() === 'user-agent'
  if (Array.isArray(h)) {
    for (const item of h) {
      if (Array.isArray(item) && isUa(item[0]) && typeof item[1] === 'string') return item[1]
      if (item && typeof item === 'object' && 'name' in item && isUa(item.name) && 'value' in item && typeof item.value === 'string') return item.value
      if (typeof item === 'string') {
        const c = item.indexOf(':')
        if (c > 0 && isUa(item.slice(0, c).trim())) return item.slice(c + 1).trim()
      }
    }
    return undefined
  }
  if (h && typeof h === 'object') {
    for (const [k, v] of Object.entries(h)) if (isUa(k) && typeof v === 'string') return v
  }
  return undefined
}

export function fingerprintsOf(ev: DecnetEvent, src: Source | undefined): FingerprintRow[] {
  const f = ev.fields
  const out: FingerprintRow[] = []
  let extra: Record<string, string> | undefined
  const context = () => {
    if (extra) return extra
    extra = { event: ev.type }
    for (const k of FINGERPRINT_CONTEXT) if (f[k] !== undefined) extra[k] = f[k].slice(0, INGEST_LIMITS.extraValue)
    return extra
  }
  const sightings = /^[1-9]\d{0,5}$/.test(f.count ?? '') ? Number(f.count) : 1
  const add = (kind: string, value: string, ex: Record<string, string>) =>
    out.push({
      count: sightings,
      time: ev.time,
      kind,
      value: value.slice(0, INGEST_LIMITS.fingerprintValue),
      src_ip: src?.ip ?? '',
      decky: ev.decky,
      service: ev.service,
      extra: ex,
    })
  for (const k of FINGERPRINT_FIELDS) if (f[k]) add(k, f[k], context())
  const ua = f.user_agent ?? (f.headers !== undefined ? userAgentFromHeaders(f.headers) : undefined)
  if (ua !== undefined) {
    const tool = toolOf(ua)
    add('http_useragent', ua, { ...context(), ...(tool ? { tool } : {}) })
  }
  if (f.client_version && ev.service) add(`${ev.service}_client_version`, f.client_version, context())
  return out
}

/** Tools this event names (user agents, client banners, an explicit `tool` field). */
export function toolsOf(ev: DecnetEvent, fps: readonly FingerprintRow[]): string[] {
  const tools: string[] = []
  for (const fp of fps) {
    if (fp.kind !== 'http_useragent' && !fp.kind.endsWith('_client_version')) continue
    const t = toolOf(fp.value)
    if (t && !tools.includes(t)) tools.push(t)
  }
  if (ev.fields.tool && !tools.includes(ev.fields.tool)) tools.push(ev.fields.tool.slice(0, 64))
  return tools
}

export interface DeriveStats {
  badSecrets: number
}

/** One batch of rows for a list of events; attackers are pre-aggregated per source IP. */
export function deriveBatch(items: readonly { ev: DecnetEvent; raw?: string | undefined }[], stats?: DeriveStats): Batch {
  const events: EventRow[] = []
  const credentials: CredentialRow[] = []
  const artifacts: ArtifactRow[] = []
  const fingerprints: FingerprintRow[] = []
  const attackers = new Map<string, AttackerUpdate>()
  for (const { ev, raw } of items) {
    const src = sourceOf(ev.fields)
    events.push({
      time: ev.time,
      decky: ev.decky,
      service: ev.service,
      type: ev.type,
      severity: ev.severity,
      src_ip: src?.ip ?? null,
      src_port: src?.port ?? null,
      fields: ev.fields,
      msg: ev.msg ?? null,
      raw: raw ?? null,
    })
    const cred = credentialOf(ev, src?.ip ?? '')
    if (cred) credentials.push(cred)
    else if (ev.fields.secret_b64 !== undefined && stats) stats.badSecrets++
    const art = artifactOf(ev, src)
    if (art) artifacts.push(art)
    const fps = fingerprintsOf(ev, src)
    fingerprints.push(...fps)
    if (!src) continue
    const tools = toolsOf(ev, fps)
    const a = attackers.get(src.ip)
    if (!a) {
      attackers.set(src.ip, {
        ip: src.ip,
        first_seen: ev.time,
        last_seen: ev.time,
        event_count: 1,
        credential_count: cred ? 1 : 0,
        deckies: ev.decky ? [ev.decky] : [],
        services: ev.service ? [ev.service] : [],
        tools,
      })
      continue
    }
    if (ev.time < a.first_seen) a.first_seen = ev.time
    if (ev.time > a.last_seen) a.last_seen = ev.time
    a.event_count++
    if (cred) a.credential_count++
    if (ev.decky && !a.deckies.includes(ev.decky)) a.deckies = mergeList(a.deckies, [ev.decky], ATTACKER_LIST_CAPS.deckies)
    if (ev.service && !a.services.includes(ev.service)) a.services = mergeList(a.services, [ev.service], ATTACKER_LIST_CAPS.services)
    if (tools.length) a.tools = mergeList(a.tools, tools, ATTACKER_LIST_CAPS.tools)
  }
  return { events, credentials, artifacts, fingerprints, attackers: [...attackers.values()], rejects: [] }
}
