import type { Command } from 'commander'
import { ARCHETYPES } from '../../config/archetypes.js'
import { printTable } from '../table.js'

export function register(program: Command): void {
  program
    .command('archetypes')
    .description('List the archetypes (--archetype / archetype=): services, distros and OS family of a role')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const rows = ARCHETYPES.map((a) => ({
        slug: a.slug,
        display_name: a.displayName,
        services: [...a.services],
        preferred_distros: [...a.preferredDistros],
        nmap_os: a.nmapOs,
        description: a.description,
      }))
      if (opts.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n')
        return
      }
      printTable(
        ['Slug', 'Display Name', 'Default Services', 'OS', 'Description'],
        rows.map((r) => [r.slug, r.display_name, r.services.join(', '), r.nmap_os, r.description]),
      )
    })
}
