// Shapes the CLI views print: JSON records for pipes, short text for people.
// Attacker-controlled text is made terminal-safe before it reaches a table.
import { UserError } from '../errors.js'
import { canonicalTime } from '../syslog/parse.js'
import { termSafe } from '../cli/sanitize.js'
import type { StoredArtifact, StoredAttacker, StoredCredential, StoredEvent, StoredFingerprint } from './types.js'

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** `10m`, `2h`, `1d`, `30s`, `1w` ago, or an ISO-8601 time → canonical UTC time. */
export function parseSince(text: string, now: Date = new Date()): string {
  const m = /^(\d{1,6})\s*([smhdw])$/.exec(text.trim())
  if (m) return canonicalTime(new Date(now.getTime() - Number(m[1]) * UNITS[m[2]!]!).toISOString())!
  const iso = canonicalTime(text.trim()) ?? canonicalTime(text.trim() + 'T00:00:00Z')
  if (iso) return iso
  const d = new Date(text)
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(d.getTime())) return canonicalTime(d.toISOString())!
  throw new UserError('FLAG_INVALID', `--since: not a duration (10m, 2h, 1d) or ISO time: "${text}"`)
}

/** Attacker text for a terminal: the CLI's one sanitiser (src/cli/sanitize.ts), with an optional cut. */
export const safeText = termSafe

/** 2026-11-28T01:02:03.123456+00:00 → 2026-11-28 01:02:03 (UTC). */
export function shortTime(t: string): string {
  return t.length >= 19 ? `${t.slice(0, 10)} ${t.slice(11, 19)}` : t
}

export function peerText(ip: string | null, port: number | null): string {
  if (!ip) return '-'
  const host = ip.includes(':') ? `[${ip}]` : ip
  return port === null ? host : `${host}:${port}`
}

/** Fields that say little in a one-line summary. */
const SUMMARY_SKIP = new Set(['src_ip', 'src_port', 'session', 'secret_b64', 'secret_sha256', 'headers', 'meta_json_b64'])

/** What a summary shows first: who logged in with what, before the request's details. */
const SUMMARY_FIRST = ['principal', 'secret_printable']

export function summarize(e: StoredEvent, max = 160): string {
  const parts: string[] = []
  const ordered = [
    ...SUMMARY_FIRST.filter((k) => e.fields[k] !== undefined).map((k) => [k, e.fields[k] as string] as const),
    ...Object.entries(e.fields).filter(([k]) => !SUMMARY_FIRST.includes(k)),
  ]
  for (const [k, v] of ordered) {
    if (SUMMARY_SKIP.has(k)) continue
    parts.push(`${k === 'secret_printable' ? 'secret' : k}=${safeText(v, 40)}`)
  }
  if (e.msg) parts.push(safeText(e.msg, 60))
  return safeText(parts.join(' '), max)
}

export function eventRecord(e: StoredEvent) {
  return {
    id: e.id,
    time: e.time,
    decky: e.decky,
    service: e.service,
    type: e.type,
    severity: e.severity,
    src_ip: e.src_ip,
    src_port: e.src_port,
    fields: e.fields,
    ...(e.msg !== null ? { msg: e.msg } : {}),
  }
}

export function credentialRecord(c: StoredCredential) {
  return {
    bounty_type: 'credential' as const,
    decky: c.decky,
    service: c.service,
    src_ip: c.attacker_ip || null,
    principal: c.principal,
    secret_kind: c.secret_kind,
    secret_printable: c.secret_printable,
    secret_b64: c.secret_b64,
    secret_sha256: c.secret_sha256,
    outcome: c.outcome,
    attempt_count: c.attempt_count,
    first_seen: c.first_seen,
    last_seen: c.last_seen,
  }
}

export function artifactRecord(a: StoredArtifact) {
  return {
    bounty_type: 'artifact' as const,
    decky: a.decky,
    service: a.service,
    src_ip: a.src_ip,
    sha256: a.sha256,
    size: a.size,
    name: a.name,
    stored_as: a.stored_as,
    path: a.path,
    truncated: a.truncated,
    seen_count: a.seen_count,
    first_seen: a.first_seen,
    last_seen: a.last_seen,
  }
}

export function fingerprintRecord(f: StoredFingerprint) {
  return {
    bounty_type: 'fingerprint' as const,
    fingerprint_type: f.kind,
    value: f.value,
    decky: f.decky,
    service: f.service,
    src_ip: f.src_ip || null,
    extra: f.extra,
    count: f.count,
    first_seen: f.first_seen,
    last_seen: f.last_seen,
  }
}

export function attackerRecord(a: StoredAttacker) {
  return {
    src_ip: a.ip,
    first_seen: a.first_seen,
    last_seen: a.last_seen,
    event_count: a.event_count,
    credential_count: a.credential_count,
    deckies: a.deckies,
    services: a.services,
    tools: a.tools,
  }
}
