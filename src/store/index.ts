// The event store: where it lives and how to open it.
import { mkdirSync } from 'node:fs'
import { UserError } from '../errors.js'
import { join } from 'node:path'
import { SqliteStore } from './sqlite.js'
import { decnetHome } from '../runtime/paths.js'
import type { Store } from './types.js'

export type * from './types.js'
export { emptyBatch } from './types.js'
export { SqliteStore } from './sqlite.js'
export { Ingester, INGEST_DEFAULTS, type IngesterOptions, type IngestStats } from './ingest.js'
export { deriveBatch, sourceOf, strictBase64 } from './rules.js'

export const DB_FILE = 'decnet.db'

/** Opens (creating if needed) `<dir>/decnet.db`; dir defaults to decnetHome(). */
export function openStore(dir: string = decnetHome()): Store {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
  } catch (e) {
    throw new UserError('STORE_ERROR', `cannot create data dir ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (set DECNET_HOME to a writable directory)`)
  }
  return new SqliteStore(join(dir, DB_FILE))
}
