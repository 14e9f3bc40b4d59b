// decnet sniff --interface IF: live passive fingerprinting (tcpdump subprocess)
// into the store, or as JSON lines with --json. Runs alongside the fleet or alone.
import type { Command } from 'commander'
import type { DecnetEvent } from '../../events/event.js'
import type { EventSink } from '../../events/sink.js'
import { Ingester, openStore } from '../../store/index.js'
import { stderrLog } from '../../log.js'
import { captureFilter, checkInterfaceName, startLiveSniffer } from '../../sniffer/live.js'
import { resolverFromFlags } from '../../sniffer/fleet-resolver.js'
import { jsonSafe, termSafe } from '../sanitize.js'

export interface SniffOptions {
  interface: string
  filter?: string
  json?: boolean
  decky?: string[]
  tcpdump?: string
}

/** One human line per event. */
export function describe(ev: DecnetEvent): string {
  const f = ev.fields
  const value = f.ja4 ?? f.ja4s ?? f.hassh ?? f.hassh_server ?? f.ssh_version ?? ''
  return `${ev.time} ${f.src_ip}:${f.src_port} → ${ev.decky} ${f.dst_ip}:${f.dst_port} ${ev.type} ${value}${f.sni ? ` sni=${f.sni}` : ''}`
}

export function register(program: Command): void {
  program
    .command('sniff')
    .description('Capture live (tcpdump) and fingerprint every TLS and SSH handshake (JA3, JA4, JA4S, JA4L, HASSH) until Ctrl-C')
    .requiredOption('--interface <if>', 'interface to capture on (e.g. eth0, the macvlan parent, any)')
    .option('--filter <bpf>', 'extra BPF filter, ANDed with "tcp"')
    .option('--json', 'print JSON events on stdout instead of writing them to the store')
    .option('--decky <ip=name...>', 'name the decky behind an address (added to the deployed fleet)')
    .option('--tcpdump <path>', 'capture tool to run', 'tcpdump')
    .action(async (opts: SniffOptions) => {
      checkInterfaceName('--interface', opts.interface)
      const resolver = resolverFromFlags(opts.decky)
      const store = opts.json ? undefined : openStore()
      const ingester = store ? new Ingester(store, { log: stderrLog() }) : undefined
      const sink: EventSink = {
        write(ev) {
          if (opts.json) process.stdout.write(jsonSafe(ev) + '\n')
          else {
            ingester!.write(ev)
            process.stdout.write(termSafe(describe(ev)) + '\n')
          }
        },
      }
      const live = startLiveSniffer({
        interface: opts.interface,
        filter: captureFilter(opts.filter),
        sink,
        resolveDecky: resolver.resolve,
        tcpdump: opts.tcpdump,
        onLog: (line) => process.stderr.write(`${termSafe(line.startsWith('tcpdump:') ? line : `tcpdump: ${line}`)}\n`),
      })
      const sniffer = live.sniffer
      const stop = () => void live.stop()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
      try {
        await live.done
      } finally {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
        await ingester?.close()
        await store?.close()
        const s = sniffer.stats
        process.stderr.write(`decnet sniff: ${s.packets} packets, ${s.flowsCreated} flows, ${s.events} events${store ? ` → ${store.location}` : ''}\n`)
      }
    })
}
