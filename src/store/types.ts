// The store contract: rows the ingester derives, and the few queries the views
// need. Narrow on purpose so a PostgreSQL store can implement it with the same
// upserts (INSERT ... ON CONFLICT DO UPDATE exists in both).
import type { EventFields } from '../events/event.js'

/** One event as stored. `raw` is the received line when it came over syslog. */
export interface EventRow {
  time: string
  decky: string
  service: string
  type: string
  severity: number
  src_ip: string | null
  src_port: number | null
  fields: EventFields
  msg: string | null
  raw: string | null
}
export interface StoredEvent extends EventRow {
  id: number
}

/** A credential attempt; deduplicated on (attacker_ip, decky, service, secret_kind, secret_sha256, principal ?? ''). */
export interface CredentialRow {
  time: string
  /** '' when the event carried no source address. */
  attacker_ip: string
  decky: string
  service: string
  principal: string | null
  secret_kind: string
  secret_sha256: string
  secret_b64: string
  secret_printable: string
  outcome: string | null
  fields: EventFields
}
export interface StoredCredential extends Omit<CredentialRow, 'time'> {
  id: number
  first_seen: string
  last_seen: string
  attempt_count: number
}

/** A quarantined file; deduplicated on (sha256, decky). */
export interface ArtifactRow {
  time: string
  sha256: string
  size: number
  stored_as: string
  path: string
  name: string
  decky: string
  service: string
  src_ip: string | null
  truncated: boolean
}
export interface StoredArtifact extends Omit<ArtifactRow, 'time'> {
  id: number
  first_seen: string
  last_seen: string
  seen_count: number
}

/** A client fingerprint; identical (kind, value, src_ip, decky, service) rows are counted. */
export interface FingerprintRow {
  time: string
  /** ja3, ja4, ja3s, ja4s, ja4l, hassh, hassh_server, ja4h, http_useragent, <service>_client_version … */
  kind: string
  value: string
  /** '' when the event carried no source address. */
  src_ip: string
  decky: string
  service: string
  extra: Record<string, string>
  /** Sightings this event stands for (the sniffer batches repeats into one event). */
  count: number
}
export interface StoredFingerprint extends Omit<FingerprintRow, 'time'> {
  id: number
  count: number
  first_seen: string
  last_seen: string
}

/** What one batch adds to one source address. */
export interface AttackerUpdate {
  ip: string
  first_seen: string
  last_seen: string
  event_count: number
  /** Credential-bearing events (attempts), not distinct secrets. */
  credential_count: number
  deckies: string[]
  services: string[]
  tools: string[]
}
export type StoredAttacker = AttackerUpdate

/** A line the collector could not read. */
export interface RejectRow {
  time: string
  peer: string
  reason: string
  raw: string
}
export interface StoredReject extends RejectRow {
  id: number
}

export interface Batch {
  events: EventRow[]
  credentials: CredentialRow[]
  artifacts: ArtifactRow[]
  fingerprints: FingerprintRow[]
  attackers: AttackerUpdate[]
  rejects: RejectRow[]
}

export interface EventQuery {
  decky?: string
  service?: string
  type?: string
  srcIp?: string
  /** Canonical UTC time (…+00:00); rows at or after it. */
  since?: string
  /** Rows with id > afterId, oldest first (for following). */
  afterId?: number
  /** Without afterId: the newest `limit` rows, returned oldest first. */
  limit?: number
}

export interface BountyQuery {
  decky?: string
  service?: string
  srcIp?: string
  limit?: number
}

export interface StoreCounts {
  events: number
  credentials: number
  artifacts: number
  fingerprints: number
  attackers: number
  rejects: number
}

export interface Store {
  /** File path or URL, for messages. */
  readonly location: string
  /** Applies a batch in one transaction. */
  write(batch: Batch): Promise<void>
  /**
   * Applies a batch in one transaction and returns once it is committed
   * (throws on failure). Stores that can commit synchronously (SQLite) offer it;
   * the ingester uses it to make a captured credential or artifact durable
   * before the emulator answers.
   */
  writeSync?(batch: Batch): void
  events(q?: EventQuery): Promise<StoredEvent[]>
  credentials(q?: BountyQuery): Promise<StoredCredential[]>
  artifacts(q?: BountyQuery): Promise<StoredArtifact[]>
  fingerprints(q?: BountyQuery & { kind?: string }): Promise<StoredFingerprint[]>
  attackers(q?: { limit?: number }): Promise<StoredAttacker[]>
  rejects(q?: { limit?: number }): Promise<StoredReject[]>
  counts(): Promise<StoreCounts>
  close(): Promise<void>
}

export function emptyBatch(): Batch {
  return { events: [], credentials: [], artifacts: [], fingerprints: [], attackers: [], rejects: [] }
}
