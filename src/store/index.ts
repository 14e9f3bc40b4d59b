// The event store: where it lives and how to open it.
import { mkdirSync } from 'node:fs'
import { UserError } from '../errors.js'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { SqliteStore } from './sqlite.js'
import type { Store } from './types.js'

export type * from './types.js'
export { emptyBatch } from './types.js'
export { SqliteStore } from './sqlite.js'
export { Ingester, INGEST_DEFAULTS, type IngesterOptions, type IngestStats } from './ingest.js'
export { deriveBatch, sourceOf, strictBase64 } from './rules.js'

export const DB_FILE = 'decnet.db'

/** $DECNET_HOME, else ${XDG_DATA_HOME:-~/.local/share}/decnet. */
export function dataDir(): string {
  if (process.env.DECNET_HOME) return process.env.DECNET_HOME
  const xdg = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share')
  return join(xdg, 'decnet')
}

/** Opens (creating if needed) `<dir>/decnet.db`; dir defaults to dataDir(). */
export function openStore(dir: string = dataDir()): Store {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
  } catch (e) {
    throw new UserError('STORE_ERROR', `cannot create data dir ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (set DECNET_HOME to a writable directory)`)
  }
  return new SqliteStore(join(dir, DB_FILE))
}
