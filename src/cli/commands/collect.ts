// decnet collect: receive RFC 5424 events from remote deckies and containers
// (UDP, TCP with RFC 6587 framing, TLS per RFC 5425) into the store.
import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { Collector, COLLECTOR_LIMITS, endpointUrl, parseListen, type CollectorLimits } from '../../collector/index.js'
import { UserError } from '../../errors.js'
import { stderrLog } from '../../log.js'
import { Ingester, openStore, type Store } from '../../store/index.js'

export interface CollectOptions {
  listen: string
  tlsCert?: string
  tlsKey?: string
  tlsCa?: string
  maxConnections?: string
  idleTimeout?: string
}

export interface RunningCollector {
  collector: Collector
  ingester: Ingester
  store: Store
  /** Stops listening, writes what is buffered, closes the store if it opened it. */
  stop(): Promise<void>
}

function readPem(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (e) {
    throw new UserError('FLAG_INVALID', `${flag}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
}

function positive(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isInteger(n) || n <= 0) throw new UserError('FLAG_INVALID', `${flag}: not a positive integer: "${v}"`)
  return n
}

export async function startCollect(opts: CollectOptions, store?: Store): Promise<RunningCollector> {
  const listen = parseListen(opts.listen)
  const wantsTls = listen.some((e) => e.proto === 'tls')
  if (wantsTls && (!opts.tlsCert || !opts.tlsKey)) throw new UserError('FLAG_INVALID', 'a tls:// listener needs --tls-cert FILE and --tls-key FILE')
  const tls = wantsTls
    ? {
        cert: readPem(opts.tlsCert!, '--tls-cert'),
        key: readPem(opts.tlsKey!, '--tls-key'),
        ...(opts.tlsCa ? { ca: readPem(opts.tlsCa, '--tls-ca') } : {}),
      }
    : undefined
  const limits: Partial<CollectorLimits> = {}
  const maxConn = positive(opts.maxConnections, '--max-connections')
  if (maxConn) limits.maxConnections = maxConn
  const idle = positive(opts.idleTimeout, '--idle-timeout')
  if (idle) limits.idleTimeoutMs = idle * 1000
  const own = store === undefined
  const st = store ?? openStore()
  const log = stderrLog()
  const ingester = new Ingester(st, { log })
  const collector = new Collector({ listen, sink: ingester, tls, limits, log })
  try {
    await collector.start()
  } catch (e) {
    if (own) await st.close()
    const err = e as NodeJS.ErrnoException
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL') {
      throw new UserError('ADDRESS_UNAVAILABLE', `cannot listen on ${opts.listen}: ${err.code}${err.code === 'EACCES' ? ' (ports below 1024 need root or CAP_NET_BIND_SERVICE)' : ''}`)
    }
    throw e
  }
  return {
    collector,
    ingester,
    store: st,
    async stop() {
      await collector.stop()
      await ingester.close()
      if (own) await st.close()
    },
  }
}

export function register(program: Command): void {
  program
    .command('collect')
    .description('Receive RFC 5424 events over syslog (UDP, TCP, TLS) into the store, until Ctrl-C')
    .requiredOption('--listen <list>', 'comma-separated endpoints: udp://HOST:PORT, tcp://HOST:PORT, tls://HOST:PORT')
    .option('--tls-cert <file>', 'PEM certificate for tls:// listeners')
    .option('--tls-key <file>', 'PEM private key for tls:// listeners')
    .option('--tls-ca <file>', 'require client certificates signed by this CA (mutual TLS)')
    .option('--max-connections <n>', `concurrent TCP/TLS connections per listener (default ${COLLECTOR_LIMITS.maxConnections})`)
    .option('--idle-timeout <seconds>', `close silent connections after this long (default ${COLLECTOR_LIMITS.idleTimeoutMs / 1000})`)
    .action(async (opts: CollectOptions) => {
      const run = await startCollect(opts)
      const where = run.collector.addresses().map(endpointUrl).join(', ')
      process.stdout.write(`decnet collect: listening on ${where} → ${run.store.location}\n`)
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve)
        process.once('SIGTERM', resolve)
      })
      await run.stop()
      const s = run.collector.stats
      const i = run.ingester.stats
      process.stdout.write(
        `decnet collect: ${s.messages} messages, ${i.written} events stored, ${s.rejected} unreadable, ${s.oversize} oversize, ${i.dropped} dropped\n`,
      )
    })
}
