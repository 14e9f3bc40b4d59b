import type { Command } from 'commander'
import { DISTROS } from '../../config/distros.js'
import { printTable } from '../table.js'

export function register(program: Command): void {
  program
    .command('distros')
    .description('List the distro profiles a decky can claim: base image and hostname style')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const rows = DISTROS.map((d) => ({
        slug: d.slug,
        display_name: d.displayName,
        image: d.image,
        hostname_style: d.hostnameStyle,
        build_base: d.buildBase,
      }))
      if (opts.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n')
        return
      }
      printTable(
        ['Slug', 'Display Name', 'Hostname Style', 'Docker Image'],
        rows.map((r) => [r.slug, r.display_name, r.hostname_style, r.image]),
      )
    })
}
