// decnet attackers: one row per source address that touched a decky.
import type { Command } from 'commander'
import { openStore, type Store } from '../../store/index.js'
import { attackerRecord, safeText, shortTime } from '../../store/views.js'
import { jsonSafe } from '../sanitize.js'
import { formatTable } from '../table.js'

export async function attackerRecords(store: Store, limit?: number): Promise<ReturnType<typeof attackerRecord>[]> {
  return (await store.attackers({ limit })).map(attackerRecord)
}

function list(xs: string[], max: number): string {
  return safeText(xs.join(','), max) || '-'
}

export function renderAttackers(rows: ReturnType<typeof attackerRecord>[]): string {
  return formatTable(
    ['Source', 'First seen (UTC)', 'Last seen (UTC)', 'Events', 'Creds', 'Deckies', 'Services', 'Tools'],
    rows.map((a) => [a.src_ip, shortTime(a.first_seen), shortTime(a.last_seen), String(a.event_count), String(a.credential_count), list(a.deckies, 40), list(a.services, 40), list(a.tools, 40)]),
  )
}

export function register(program: Command): void {
  program
    .command('attackers')
    .description('Show every source address seen: when, how much, which deckies, services and tools')
    .option('--json', 'a JSON array of records')
    .action(async (opts: { json?: boolean }) => {
      const store = openStore()
      try {
        const rows = await attackerRecords(store)
        process.stdout.write(opts.json ? jsonSafe(rows, 2) + '\n' : rows.length ? renderAttackers(rows) : 'no attackers yet\n')
      } finally {
        await store.close()
      }
    })
}
