import type { Command } from 'commander'
import { loadServices } from '../../services/registry.js'
import { printTable } from '../table.js'
import { emulatedServices } from '../../engines/local/index.js'

export function register(program: Command): void {
  program
    .command('services')
    .description('List the service plugins: ports, UDP ports, singleton flag and persona keys')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const services = [...(await loadServices()).values()].sort((a, b) => a.name.localeCompare(b.name))
      const local = new Set(await emulatedServices())
      const rows = services.map((s) => ({
        name: s.name,
        ports: [...s.ports],
        udp: s.udpPorts(s.resolveConfig({})),
        singleton: s.fleetSingleton,
        /** The local engine runs it (it has a wire emulator); every plugin runs under docker. */
        local: local.has(s.name),
        image: s.defaultImage,
        persona_keys: s.configSchema.map((f) => f.key),
      }))
      if (opts.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n')
        return
      }
      printTable(
        ['Name', 'Ports', 'UDP', 'Singleton', 'Local', 'Persona keys'],
        rows.map((r) => [r.name, r.ports.join(', '), r.udp.join(', '), r.singleton ? 'yes' : '', r.local ? 'yes' : '-', r.persona_keys.join(', ')]),
      )
    })
}
