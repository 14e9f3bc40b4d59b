// The one event shape every part of decnet shares. On the wire it is an RFC 5424
// line (src/syslog); in process it is this object.

/** RFC 5424 severities. decnet uses INFO by default. */
export const Severity = {
  EMERGENCY: 0,
  ALERT: 1,
  CRITICAL: 2,
  ERROR: 3,
  WARNING: 4,
  NOTICE: 5,
  INFO: 6,
  DEBUG: 7,
} as const
export type Severity = (typeof Severity)[keyof typeof Severity]

/** Field values are always strings once normalised; SD params are strings on the wire. */
export type EventFields = Record<string, string>

export interface DecnetEvent {
  /** ISO-8601 UTC with microseconds, e.g. 2026-11-28T01:02:03.123456+00:00 */
  time: string
  /** Decky name (syslog HOSTNAME). */
  decky: string
  /** Service slug (syslog APP-NAME). */
  service: string
  /** Event type (syslog MSGID), snake_case, see docs/events.md. */
  type: string
  severity: Severity
  fields: EventFields
  msg?: string
}

/** What emitters may pass; normalised by `normalizeFields`. */
export type FieldInput = string | number | bigint | boolean | null | undefined | readonly unknown[] | Record<string, unknown> | Buffer

/**
 * Turn loose values into wire strings. null/undefined are dropped (never the
 * literal "None"), booleans are true/false, arrays and objects are JSON,
 * Buffers are hex.
 */
export function normalizeFields(input: Record<string, FieldInput>): EventFields {
  const out: EventFields = {}
  for (const [k, v] of Object.entries(input)) {
    if (v === null || v === undefined) continue
    if (typeof v === 'string') out[k] = v
    else if (typeof v === 'number' || typeof v === 'bigint') out[k] = String(v)
    else if (typeof v === 'boolean') out[k] = v ? 'true' : 'false'
    else if (Buffer.isBuffer(v)) out[k] = v.toString('hex')
    else out[k] = JSON.stringify(v)
  }
  return out
}

/** Timestamp with microseconds; JS has ms, so the last three digits come from hrtime. */
export function eventTime(d: Date = new Date()): string {
  const micros = Number(process.hrtime.bigint() / 1000n % 1000n)
  const iso = d.toISOString() // YYYY-MM-DDTHH:MM:SS.mmmZ
  return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}+00:00`
}

/**
 * secret_printable / secret_b64 for a captured secret: printable ASCII kept,
 * every other byte becomes '?', and the exact bytes in base64. The presence of
 * secret_b64 is what makes the ingester store a credential.
 */
export function encodeSecret(secret: string | Buffer): { secret_printable: string; secret_b64: string } {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret
  let printable = ''
  for (const b of bytes) printable += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '?'
  return { secret_printable: printable, secret_b64: bytes.toString('base64') }
}
