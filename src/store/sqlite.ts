// SQLite store through better-sqlite3: WAL, one transaction per batch, upserts
// for the deduplicated bounty tables. Calls are synchronous inside; the async
// Store signatures are for the PostgreSQL store that may follow.
//
// Durability: journal_mode=WAL with synchronous=NORMAL. A committed transaction
// is in the WAL file (the OS page cache) when the commit returns, so it survives
// the process being killed (kill -9, a crash); only a power loss or kernel crash
// can lose the last transactions before a checkpoint (SQLite's documented WAL
// trade-off). writeSync() returns after that commit.
//
// Privacy: the database holds captured passwords, so decnet.db and its -wal,
// -shm and -journal are owner-only (0600) whatever the directory's mode and the
// umask: the database file is created 0600 before SQLite opens it (SQLite gives
// its -wal/-shm/-journal the database file's mode), and files an older decnet
// left readable are chmodded when the store opens.
import { chmodSync, closeSync, openSync } from 'node:fs'
import Database from 'better-sqlite3'
import { DecnetError, UserError } from '../errors.js'
import type { EventFields } from '../events/event.js'
import { ATTACKER_LIST_CAPS, mergeAttacker } from './attackers.js'
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema.js'
import type {
  Batch,
  BountyQuery,
  EventQuery,
  Store,
  StoreCounts,
  StoredArtifact,
  StoredAttacker,
  StoredCredential,
  StoredEvent,
  StoredFingerprint,
  StoredReject,
} from './types.js'

/** Unreadable lines kept; older ones are deleted, so a garbage flood cannot fill the disk. */
export const MAX_REJECT_ROWS = 100_000
const DEFAULT_LIMIT = 1000
const MAX_LIMIT = 100_000

type Db = Database.Database
type Row = Record<string, unknown>

function parseJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== 'string') return fallback
  try {
    return JSON.parse(text) as T
  } catch {
    return fallback
  }
}

/** The database file and the side files SQLite creates next to it. */
export const STORE_SIDE_FILES = ['', '-wal', '-shm', '-journal'] as const

/** Creates the database file 0600 if missing and makes it and its side files 0600 (best effort on files we do not own). */
export function protectStoreFiles(location: string): void {
  if (location === '' || location === ':memory:' || location.startsWith('file:')) return
  try {
    closeSync(openSync(location, 'a', 0o600))
  } catch {
    // not creatable here: SQLite's own open reports it
  }
  for (const suffix of STORE_SIDE_FILES) {
    try {
      chmodSync(location + suffix, 0o600)
    } catch {
      // absent, or another user's file (a reader): nothing to tighten
    }
  }
}

function limitOf(n: number | undefined): number {
  if (n === undefined || !Number.isFinite(n) || n <= 0) return DEFAULT_LIMIT
  return Math.min(Math.floor(n), MAX_LIMIT)
}

export class SqliteStore implements Store {
  readonly #db: Db
  readonly #stmts: ReturnType<SqliteStore['prepare']>
  readonly #queryCache = new Map<string, Database.Statement>()
  readonly #apply: (batch: Batch) => void
  #closed = false

  constructor(readonly location: string) {
    try {
      protectStoreFiles(location)
      this.#db = new Database(location)
      this.#db.pragma('journal_mode = WAL')
      // NORMAL in WAL mode: commits survive a process crash or kill -9; see the top of this file
      this.#db.pragma('synchronous = NORMAL')
      this.#db.pragma('busy_timeout = 5000')
      const version = this.#db.pragma('user_version', { simple: true }) as number
      if (version > SCHEMA_VERSION) throw new Error(`database schema ${version} is newer than this decnet (${SCHEMA_VERSION})`)
      this.#db.exec(SCHEMA_SQL)
      this.#db.pragma(`user_version = ${SCHEMA_VERSION}`)
      // the -wal and -shm exist now; an older decnet may have left them readable
      protectStoreFiles(location)
    } catch (e) {
      throw new UserError('STORE_ERROR', `cannot open store ${location}: ${(e as Error).message}`, { cause: e })
    }
    this.#stmts = this.prepare()
    this.#apply = this.#db.transaction((b: Batch) => this.applyBatch(b))
  }

  private prepare() {
    const db = this.#db
    return {
      event: db.prepare(
        `INSERT INTO events (time, decky, service, type, severity, src_ip, src_port, fields, msg, raw)
         VALUES (@time, @decky, @service, @type, @severity, @src_ip, @src_port, @fields, @msg, @raw)`,
      ),
      credential: db.prepare(
        `INSERT INTO credentials (attacker_ip, decky, service, principal, principal_key, secret_kind, secret_sha256,
           secret_b64, secret_printable, outcome, fields, first_seen, last_seen, attempt_count)
         VALUES (@attacker_ip, @decky, @service, @principal, @principal_key, @secret_kind, @secret_sha256,
           @secret_b64, @secret_printable, @outcome, @fields, @time, @time, 1)
         ON CONFLICT (attacker_ip, decky, service, secret_kind, secret_sha256, principal_key) DO UPDATE SET
           attempt_count = attempt_count + 1,
           first_seen = min(first_seen, excluded.first_seen),
           last_seen = max(last_seen, excluded.last_seen),
           outcome = CASE WHEN outcome = 'success' THEN outcome ELSE coalesce(excluded.outcome, outcome) END`,
      ),
      artifact: db.prepare(
        `INSERT INTO artifacts (sha256, size, stored_as, path, name, decky, service, src_ip, truncated, first_seen, last_seen, seen_count)
         VALUES (@sha256, @size, @stored_as, @path, @name, @decky, @service, @src_ip, @truncated, @time, @time, 1)
         ON CONFLICT (sha256, decky) DO UPDATE SET
           seen_count = seen_count + 1,
           first_seen = min(first_seen, excluded.first_seen),
           last_seen = max(last_seen, excluded.last_seen)`,
      ),
      fingerprint: db.prepare(
        `INSERT INTO fingerprints (kind, value, src_ip, decky, service, extra, count, first_seen, last_seen)
         VALUES (@kind, @value, @src_ip, @decky, @service, @extra, @count, @time, @time)
         ON CONFLICT (kind, value, src_ip, decky, service) DO UPDATE SET
           count = count + excluded.count,
           first_seen = min(first_seen, excluded.first_seen),
           last_seen = max(last_seen, excluded.last_seen)`,
      ),
      attackerGet: db.prepare(`SELECT * FROM attackers WHERE ip = ?`),
      attackerPut: db.prepare(
        `INSERT OR REPLACE INTO attackers (ip, first_seen, last_seen, event_count, credential_count, deckies, services, tools)
         VALUES (@ip, @first_seen, @last_seen, @event_count, @credential_count, @deckies, @services, @tools)`,
      ),
      reject: db.prepare(`INSERT INTO raw_lines (time, peer, reason, raw) VALUES (@time, @peer, @reason, @raw)`),
      rejectTrim: db.prepare(`DELETE FROM raw_lines WHERE id <= (SELECT max(id) FROM raw_lines) - ${MAX_REJECT_ROWS}`),
    }
  }

  private applyBatch(b: Batch): void {
    const s = this.#stmts
    for (const e of b.events) s.event.run({ ...e, fields: JSON.stringify(e.fields) })
    for (const c of b.credentials) s.credential.run({ ...c, principal_key: c.principal ?? '', fields: JSON.stringify(c.fields) })
    for (const a of b.artifacts) s.artifact.run({ ...a, truncated: a.truncated ? 1 : 0 })
    for (const f of b.fingerprints) s.fingerprint.run({ ...f, extra: JSON.stringify(f.extra) })
    for (const u of b.attackers) {
      const old = s.attackerGet.get(u.ip) as Row | undefined
      const merged = old ? mergeAttacker(toAttacker(old), u) : u
      s.attackerPut.run({
        ...merged,
        deckies: JSON.stringify(merged.deckies.slice(0, ATTACKER_LIST_CAPS.deckies)),
        services: JSON.stringify(merged.services.slice(0, ATTACKER_LIST_CAPS.services)),
        tools: JSON.stringify(merged.tools.slice(0, ATTACKER_LIST_CAPS.tools)),
      })
    }
    for (const r of b.rejects) s.reject.run(r)
    if (b.rejects.length) s.rejectTrim.run()
  }

  async write(batch: Batch): Promise<void> {
    this.writeSync(batch)
  }

  /** Commits the batch before returning (WAL, synchronous=NORMAL: durable across a process kill). */
  writeSync(batch: Batch): void {
    this.assertOpen()
    try {
      this.#apply(batch)
    } catch (e) {
      throw new DecnetError('STORE_ERROR', `store write failed (${this.location}): ${(e as Error).message}`, { cause: e })
    }
  }

  private query(sql: string): Database.Statement {
    let st = this.#queryCache.get(sql)
    if (!st) {
      st = this.#db.prepare(sql)
      this.#queryCache.set(sql, st)
    }
    return st
  }

  private where(q: { decky?: string; service?: string; srcIp?: string }, ipColumn: string, extra: [string, unknown][] = []) {
    const conds: string[] = []
    const params: unknown[] = []
    const add = (sql: string, v: unknown) => {
      if (v === undefined) return
      conds.push(sql)
      params.push(v)
    }
    add('decky = ?', q.decky)
    add('service = ?', q.service)
    add(`${ipColumn} = ?`, q.srcIp)
    for (const [sql, v] of extra) add(sql, v)
    return { sql: conds.length ? ` WHERE ${conds.join(' AND ')}` : '', params }
  }

  async events(q: EventQuery = {}): Promise<StoredEvent[]> {
    this.assertOpen()
    const w = this.where(q, 'src_ip', [
      ['type = ?', q.type],
      ['time >= ?', q.since],
      ['id > ?', q.afterId],
    ])
    const limit = limitOf(q.limit)
    const following = q.afterId !== undefined
    const rows = this.query(`SELECT * FROM events${w.sql} ORDER BY id ${following ? 'ASC' : 'DESC'} LIMIT ${limit}`).all(...w.params) as Row[]
    if (!following) rows.reverse()
    return rows.map((r) => ({
      id: r.id as number,
      time: r.time as string,
      decky: r.decky as string,
      service: r.service as string,
      type: r.type as string,
      severity: r.severity as number,
      src_ip: (r.src_ip as string | null) ?? null,
      src_port: (r.src_port as number | null) ?? null,
      fields: parseJson<EventFields>(r.fields, {}),
      msg: (r.msg as string | null) ?? null,
      raw: (r.raw as string | null) ?? null,
    }))
  }

  async credentials(q: BountyQuery = {}): Promise<StoredCredential[]> {
    this.assertOpen()
    const w = this.where(q, 'attacker_ip')
    const rows = this.query(`SELECT * FROM credentials${w.sql} ORDER BY last_seen DESC, id DESC LIMIT ${limitOf(q.limit)}`).all(...w.params) as Row[]
    return rows.map((r) => ({
      id: r.id as number,
      attacker_ip: r.attacker_ip as string,
      decky: r.decky as string,
      service: r.service as string,
      principal: (r.principal as string | null) ?? null,
      secret_kind: r.secret_kind as string,
      secret_sha256: r.secret_sha256 as string,
      secret_b64: r.secret_b64 as string,
      secret_printable: r.secret_printable as string,
      outcome: (r.outcome as string | null) ?? null,
      fields: parseJson<EventFields>(r.fields, {}),
      first_seen: r.first_seen as string,
      last_seen: r.last_seen as string,
      attempt_count: r.attempt_count as number,
    }))
  }

  async artifacts(q: BountyQuery = {}): Promise<StoredArtifact[]> {
    this.assertOpen()
    const w = this.where(q, 'src_ip')
    const rows = this.query(`SELECT * FROM artifacts${w.sql} ORDER BY last_seen DESC, id DESC LIMIT ${limitOf(q.limit)}`).all(...w.params) as Row[]
    return rows.map((r) => ({
      id: r.id as number,
      sha256: r.sha256 as string,
      size: r.size as number,
      stored_as: r.stored_as as string,
      path: r.path as string,
      name: r.name as string,
      decky: r.decky as string,
      service: r.service as string,
      src_ip: (r.src_ip as string | null) ?? null,
      truncated: r.truncated === 1,
      first_seen: r.first_seen as string,
      last_seen: r.last_seen as string,
      seen_count: r.seen_count as number,
    }))
  }

  async fingerprints(q: BountyQuery & { kind?: string } = {}): Promise<StoredFingerprint[]> {
    this.assertOpen()
    const w = this.where(q, 'src_ip', [['kind = ?', q.kind]])
    const rows = this.query(`SELECT * FROM fingerprints${w.sql} ORDER BY last_seen DESC, id DESC LIMIT ${limitOf(q.limit)}`).all(...w.params) as Row[]
    return rows.map((r) => ({
      id: r.id as number,
      kind: r.kind as string,
      value: r.value as string,
      src_ip: r.src_ip as string,
      decky: r.decky as string,
      service: r.service as string,
      extra: parseJson<Record<string, string>>(r.extra, {}),
      count: r.count as number,
      first_seen: r.first_seen as string,
      last_seen: r.last_seen as string,
    }))
  }

  async attackers(q: { limit?: number } = {}): Promise<StoredAttacker[]> {
    this.assertOpen()
    const rows = this.query(`SELECT * FROM attackers ORDER BY last_seen DESC LIMIT ${limitOf(q.limit)}`).all() as Row[]
    return rows.map(toAttacker)
  }

  async rejects(q: { limit?: number } = {}): Promise<StoredReject[]> {
    this.assertOpen()
    return this.query(`SELECT * FROM raw_lines ORDER BY id DESC LIMIT ${limitOf(q.limit)}`).all() as StoredReject[]
  }

  async counts(): Promise<StoreCounts> {
    this.assertOpen()
    const n = (t: string) => (this.query(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n
    return {
      events: n('events'),
      credentials: n('credentials'),
      artifacts: n('artifacts'),
      fingerprints: n('fingerprints'),
      attackers: n('attackers'),
      rejects: n('raw_lines'),
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#db.close()
  }

  private assertOpen(): void {
    if (this.#closed) throw new DecnetError('STORE_ERROR', `store is closed (${this.location})`)
  }
}

function toAttacker(r: Row): StoredAttacker {
  return {
    ip: r.ip as string,
    first_seen: r.first_seen as string,
    last_seen: r.last_seen as string,
    event_count: r.event_count as number,
    credential_count: r.credential_count as number,
    deckies: parseJson<string[]>(r.deckies, []),
    services: parseJson<string[]>(r.services, []),
    tools: parseJson<string[]>(r.tools, []),
  }
}
