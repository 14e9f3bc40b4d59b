// decnet bounty: what the deckies caught — credentials, artifacts, fingerprints.
import type { Command } from 'commander'
import { UserError } from '../../errors.js'
import { openStore, type BountyQuery, type Store } from '../../store/index.js'
import { artifactRecord, credentialRecord, fingerprintRecord, peerText, safeText, shortTime } from '../../store/views.js'
import { jsonSafe } from '../sanitize.js'
import { formatTable } from '../table.js'

export const BOUNTY_KINDS = ['credential', 'artifact', 'fingerprint'] as const
export type BountyKind = (typeof BOUNTY_KINDS)[number]

export interface BountyOptions {
  kind?: string
  decky?: string
  service?: string
  limit?: string
  json?: boolean
}

export type BountyRecord = ReturnType<typeof credentialRecord> | ReturnType<typeof artifactRecord> | ReturnType<typeof fingerprintRecord>

function kindsOf(kind: string | undefined): readonly BountyKind[] {
  if (kind === undefined) return BOUNTY_KINDS
  if (!(BOUNTY_KINDS as readonly string[]).includes(kind)) throw new UserError('FLAG_INVALID', `--kind: "${kind}" is not one of ${BOUNTY_KINDS.join(', ')}`)
  return [kind as BountyKind]
}

/** The bounty rows as JSON records (newest first within each kind). */
export async function bountyRecords(store: Store, opts: BountyOptions = {}): Promise<BountyRecord[]> {
  const q: BountyQuery = { decky: opts.decky, service: opts.service }
  if (opts.limit !== undefined) {
    const n = Number(opts.limit)
    if (!Number.isInteger(n) || n <= 0) throw new UserError('FLAG_INVALID', `--limit: not a positive integer: "${opts.limit}"`)
    q.limit = n
  }
  const out: BountyRecord[] = []
  for (const k of kindsOf(opts.kind)) {
    if (k === 'credential') out.push(...(await store.credentials(q)).map(credentialRecord))
    if (k === 'artifact') out.push(...(await store.artifacts(q)).map(artifactRecord))
    if (k === 'fingerprint') out.push(...(await store.fingerprints(q)).map(fingerprintRecord))
  }
  return out
}

export function renderBounty(records: BountyRecord[], kinds: readonly BountyKind[], width?: number): string {
  const w = width !== undefined ? { width } : {}
  const parts: string[] = []
  for (const k of kinds) {
    const rows = records.filter((r) => r.bounty_type === k)
    if (k === 'credential') {
      parts.push(`Credentials (${rows.length})\n` + formatTable(
        // the secret last: a cut keeps its start and gives it every column left
        ['Last seen (UTC)', 'Decky', 'Service', 'Source', 'Kind', 'Attempts', 'Principal', 'Secret'],
        rows.flatMap((r) => (r.bounty_type === 'credential' ? [[shortTime(r.last_seen), safeText(r.decky, 24), r.service, r.src_ip ?? '-', r.secret_kind, String(r.attempt_count), safeText(r.principal ?? '-', 64), safeText(r.secret_printable, 512)]] : [])),
        { ...w, min: { 6: 12, 7: 24 } },
      ))
    } else if (k === 'artifact') {
      parts.push(`Artifacts (${rows.length})\n` + formatTable(
        ['Last seen (UTC)', 'Decky', 'Service', 'Source', 'SHA-256', 'Size', 'Name'],
        rows.flatMap((r) => (r.bounty_type === 'artifact' ? [[shortTime(r.last_seen), safeText(r.decky, 24), r.service, peerText(r.src_ip, null), r.sha256.slice(0, 16), String(r.size), safeText(r.name, 40)]] : [])),
        w,
      ))
    } else {
      parts.push(`Fingerprints (${rows.length})\n` + formatTable(
        ['Last seen (UTC)', 'Type', 'Value', 'Decky', 'Service', 'Source', 'Count'],
        rows.flatMap((r) => (r.bounty_type === 'fingerprint' ? [[shortTime(r.last_seen), r.fingerprint_type, safeText(r.value, 56), safeText(r.decky, 24), r.service, r.src_ip ?? '-', String(r.count)]] : [])),
        { ...w, min: { 2: 24 } },
      ))
    }
  }
  return parts.join('\n')
}

export function register(program: Command): void {
  program
    .command('bounty')
    .description('Show captured credentials, artifacts and fingerprints')
    .option('--kind <kind>', `only one kind: ${BOUNTY_KINDS.join(' | ')}`)
    .option('--decky <name>', 'only this decky')
    .option('--service <slug>', 'only this service')
    .option('--limit <n>', 'at most n rows per kind (default 1000)')
    .option('--json', 'a JSON array of records (bounty_type says which kind)')
    .action(async (opts: BountyOptions) => {
      const kinds = kindsOf(opts.kind)
      const store = openStore()
      try {
        const records = await bountyRecords(store, opts)
        process.stdout.write(opts.json ? jsonSafe(records, 2) + '\n' : renderBounty(records, kinds))
      } finally {
        await store.close()
      }
    })
}
