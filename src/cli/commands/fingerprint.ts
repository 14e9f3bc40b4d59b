// decnet fingerprint FILE: the JA3/JA3S/JA4/JA4S/JA4L/HASSH fingerprints in a
// pcap or pcapng file, offline.
import type { Command } from 'commander'
import type { DecnetEvent } from '../../events/event.js'
import { FileSource, Sniffer } from '../../sniffer/index.js'
import { resolverFromFlags } from '../../sniffer/fleet-resolver.js'
import { jsonSafe } from '../sanitize.js'
import { printTable } from '../table.js'

export interface FingerprintRow {
  src: string
  dst: string
  decky: string
  kind: string
  value: string
  count: number
}

/** Which event fields are fingerprints, per event type, in display order. */
const KINDS: Record<string, readonly string[]> = {
  tls_client_hello: ['ja3', 'ja4', 'ja4l', 'ja4ls'],
  tls_server_hello: ['ja3s', 'ja4s'],
  ssh_client_banner: ['ssh_version', 'ja4l', 'ja4ls'],
  ssh_client_kex: ['hassh'],
  ssh_server_kex: ['hassh_server', 'ssh_server_version'],
}

const endpoint = (ip = '', port = ''): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`)

/** Events to table rows: one per (src ip, dst, kind, value), counts added up. Ports of the source are dropped. */
export function fingerprintRows(events: readonly DecnetEvent[]): FingerprintRow[] {
  const rows = new Map<string, FingerprintRow>()
  for (const ev of events) {
    for (const kind of KINDS[ev.type] ?? []) {
      const value = ev.fields[kind]
      if (!value) continue
      // JA4L differs per connection; show each, keyed with the source port
      const src = kind.startsWith('ja4l') ? endpoint(ev.fields.src_ip, ev.fields.src_port) : (ev.fields.src_ip ?? '')
      const dst = endpoint(ev.fields.dst_ip, ev.fields.dst_port)
      const key = [src, dst, kind, value].join('\u0000')
      const count = Number(ev.fields.count ?? '1') || 1
      const row = rows.get(key)
      if (row) row.count += count
      else rows.set(key, { src, dst, decky: ev.decky, kind, value, count })
    }
  }
  return [...rows.values()]
}

export interface FingerprintOptions {
  json?: boolean
  decky?: string[]
}

export async function fingerprintFile(path: string, opts: FingerprintOptions = {}): Promise<{ events: DecnetEvent[]; packets: number; truncatedBytes: number }> {
  const resolver = resolverFromFlags(opts.decky)
  const events: DecnetEvent[] = []
  const sniffer = new Sniffer({ sink: { write: (e) => events.push(e) }, resolveDecky: resolver.resolve })
  const source = new FileSource(path)
  await source.run((p) => sniffer.handle(p))
  sniffer.flush()
  return { events, packets: source.packets, truncatedBytes: source.truncatedBytes }
}

export function register(program: Command): void {
  program
    .command('fingerprint')
    .description('Print the TLS (JA3, JA3S, JA4, JA4S, JA4L) and SSH (HASSH) fingerprints found in a pcap/pcapng file')
    .argument('<file>', 'pcap or pcapng capture')
    .option('--json', 'one JSON event per line (the events `decnet sniff` would store)')
    .option('--decky <ip=name...>', 'name the decky behind an address (default: the deployed fleet, else "unknown")')
    .action(async (file: string, opts: FingerprintOptions) => {
      const r = await fingerprintFile(file, opts)
      if (opts.json) {
        for (const ev of r.events) process.stdout.write(jsonSafe(ev) + '\n')
        return
      }
      const rows = fingerprintRows(r.events)
      printTable(
        ['Source', 'Destination', 'Decky', 'Kind', 'Value', 'Count'],
        rows.map((x) => [x.src, x.dst, x.decky, x.kind, x.value, String(x.count)]),
      )
      const cut = r.truncatedBytes ? `; file ends inside a record (${r.truncatedBytes} bytes ignored)` : ''
      process.stderr.write(`${r.packets} packets, ${rows.length} fingerprints${cut}\n`)
    })
}
