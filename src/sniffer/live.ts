// A live sniffer wired to a sink: tcpdump → Sniffer → events. Used by
// `decnet sniff` (alone) and `decnet deploy --sniff IF` (with the fleet).
import { UserError } from '../errors.js'
import type { EventSink } from '../events/sink.js'
import type { LogFn } from '../log.js'
import { LiveSource } from './capture/sources.js'
import { Sniffer, type DeckyResolver } from './sniffer.js'

export interface LiveSnifferOptions {
  interface: string
  /** BPF filter; `captureFilter()` builds the usual one. */
  filter: string
  sink: EventSink
  resolveDecky: DeckyResolver
  tcpdump?: string
  /** tcpdump's stderr lines (default: dropped; the CLI prints them). */
  onLog?: LogFn
}

export interface LiveSniffer {
  readonly sniffer: Sniffer
  /** Resolves when capture ends (stop() or tcpdump exit); rejects with a UserError when tcpdump fails. */
  readonly done: Promise<void>
  stop(): Promise<void>
}

/** Interface names go to tcpdump's argv: letters, digits and . : @ - _ only. */
export function checkInterfaceName(flag: string, name: string): void {
  if (!/^[\w.:@-]{1,64}$/.test(name)) throw new UserError('FLAG_INVALID', `${flag}: not an interface name: "${name}"`)
}

/** Default BPF: TCP only (the handshakes we read); a user filter is ANDed with it. */
export function captureFilter(user: string | undefined): string {
  return user && user.trim() !== '' ? `tcp and (${user})` : 'tcp'
}

/** BPF for the handshakes of a fleet: TCP to or from any decky address. */
export function fleetFilter(addresses: readonly string[]): string {
  return addresses.length ? captureFilter(addresses.map((a) => `host ${a}`).join(' or ')) : captureFilter(undefined)
}

export function startLiveSniffer(o: LiveSnifferOptions): LiveSniffer {
  const sniffer = new Sniffer({ sink: o.sink, resolveDecky: o.resolveDecky })
  const source = new LiveSource({ interface: o.interface, filter: o.filter, tcpdump: o.tcpdump, onLog: o.onLog })
  const done = source.run((p) => sniffer.handle(p)).finally(() => sniffer.flush())
  return {
    sniffer,
    done,
    async stop() {
      source.stop()
      await done.catch(() => {})
    },
  }
}
