// Ingest into SQLite, and the collector's loss over syslog on 127.0.0.1.
//  1. events/s through Ingester → SqliteStore (rows derived, WAL, batches of 100)
//  2. the same from RFC 5424 lines (parseLine + ingest)
//  3. a paced sender (worker thread) at 5k and 20k events/s for ~3 s over TCP
//     (octet counting) and UDP into `Collector` → Ingester; rows landed are counted.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { Collector } from '../src/collector/index.js'
import { encodeSecret, type DecnetEvent } from '../src/events/event.js'
import { Ingester, openStore, type Store } from '../src/store/index.js'
import { formatEvent, parseLine } from '../src/syslog/index.js'
import { formatTable } from '../src/cli/table.js'

export const name = 'ingest'

const INGEST_EVENTS = 50_000
const RATES = [5_000, 20_000]
const SEND_SECONDS = 3
const DRAIN_TIMEOUT_MS = 10_000

function sampleEvent(i: number): DecnetEvent {
  const src = { src_ip: `198.51.${(i >> 8) & 255}.${i & 255}`, src_port: String(1024 + (i % 60000)) }
  const time = new Date(Date.UTC(2026, 10, 28, 0, 0, 0) + i).toISOString().slice(0, 23) + '000+00:00'
  const base = { time, decky: `decky-${String(i % 8).padStart(2, '0')}`, severity: 6 as const }
  switch (i % 5) {
    case 0:
      return { ...base, service: 'ssh', type: 'connect', fields: { ...src, dst_port: '22', session: `s${i}` } }
    case 1:
      return { ...base, service: 'ssh', type: 'auth_attempt', fields: { ...src, username: 'root', principal: 'root', secret_kind: 'plaintext', ...encodeSecret(`pw${i % 50}`) } }
    case 2:
      return {
        ...base,
        service: 'http',
        type: 'request',
        fields: { ...src, method: 'GET', path: `/wp-login.php?x=${i}`, headers: JSON.stringify([['Host', 'web'], ['User-Agent', 'Mozilla/5.0 zgrab/0.x']]) },
      }
    case 3:
      return { ...base, service: 'sniffer', type: 'tls_client_hello', fields: { ...src, ja3: 'e7d705a3286e19ea42f587b344ee6865', ja4: 't13d1516h2_8daaf6152771_b186095e22b6', sni: 'mail.example.com' } }
    default:
      return { ...base, service: 'smb', type: 'disconnect', fields: { ...src, duration_ms: '1200', bytes_in: '512' } }
  }
}

function tempStore(): { store: Store; cleanup: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-bench-'))
  const store = openStore(dir)
  return {
    store,
    cleanup: async () => {
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function ingestRate(fromLines: boolean): Promise<number> {
  const { store, cleanup } = tempStore()
  const events = Array.from({ length: INGEST_EVENTS }, (_, i) => sampleEvent(i))
  const lines = fromLines ? events.map(formatEvent) : []
  const ing = new Ingester(store)
  const t0 = performance.now()
  if (fromLines) {
    for (const l of lines) {
      const ev = parseLine(l)
      if (ev) ing.write(ev, l)
    }
  } else for (const ev of events) ing.write(ev)
  await ing.flush()
  const secs = (performance.now() - t0) / 1000
  const n = (await store.counts()).events
  await cleanup()
  if (n !== INGEST_EVENTS) throw new Error(`ingested ${n} of ${INGEST_EVENTS}`)
  return INGEST_EVENTS / secs
}

// The sender runs in its own thread so pacing does not compete with the collector's event loop.
const SENDER = `
const { workerData, parentPort } = require('node:worker_threads')
const net = require('node:net'), dgram = require('node:dgram')
const { proto, port, rate, seconds, lines } = workerData
const total = rate * seconds
const frames = lines.map((l) => proto === 'tcp' ? Buffer.from(Buffer.byteLength(l) + ' ' + l) : Buffer.from(l))
let sent = 0
const t0 = Date.now()
const done = (extra) => parentPort.postMessage({ sent, ms: Date.now() - t0, ...extra })
if (proto === 'tcp') {
  const s = net.connect({ host: '127.0.0.1', port }, () => {
    const tick = () => {
      const due = Math.min(total, Math.floor((Date.now() - t0) * rate / 1000))
      const batch = []
      while (sent < due) batch.push(frames[sent++ % frames.length])
      if (batch.length) s.write(Buffer.concat(batch))
      if (sent < total) setTimeout(tick, 2)
      else s.end(() => done({}))
    }
    tick()
  })
  s.on('error', (e) => done({ error: e.message }))
} else {
  const u = dgram.createSocket('udp4')
  let errors = 0
  const tick = () => {
    const due = Math.min(total, Math.floor((Date.now() - t0) * rate / 1000))
    while (sent < due) u.send(frames[sent++ % frames.length], port, '127.0.0.1', (e) => { if (e) errors++ })
    if (sent < total) setTimeout(tick, 2)
    else setTimeout(() => { u.close(); done({ errors }) }, 100)
  }
  tick()
}
`

interface LossRow {
  proto: string
  rate: number
  sent: number
  landed: number
  achieved: number
  drainMs: number
}

async function collectorLoss(proto: 'tcp' | 'udp', rate: number, lines: string[]): Promise<LossRow> {
  const { store, cleanup } = tempStore()
  const ing = new Ingester(store)
  const collector = new Collector({ listen: [{ proto, host: '127.0.0.1', port: 0 }], sink: ing })
  await collector.start()
  const port = collector.addresses()[0]!.port
  const result = await new Promise<{ sent: number; ms: number; error?: string }>((resolve, reject) => {
    const w = new Worker(SENDER, { eval: true, workerData: { proto, port, rate, seconds: SEND_SECONDS, lines } })
    w.once('message', resolve)
    w.once('error', reject)
  })
  if (result.error) throw new Error(`sender: ${result.error}`)
  const t0 = performance.now()
  let landed = 0
  let stable = 0
  while (performance.now() - t0 < DRAIN_TIMEOUT_MS) {
    await ing.flush()
    const n = (await store.counts()).events
    stable = n === landed ? stable + 1 : 0
    landed = n
    if (landed >= result.sent || stable >= 10) break
    await new Promise((r) => setTimeout(r, 50))
  }
  const drainMs = performance.now() - t0
  await collector.stop()
  await ing.close()
  await cleanup()
  return { proto, rate, sent: result.sent, landed, achieved: result.sent / (result.ms / 1000), drainMs }
}

export async function run(): Promise<void> {
  await ingestRate(false) // warm-up: JIT and page cache, not reported
  const direct = await ingestRate(false)
  const viaLines = await ingestRate(true)
  process.stdout.write(
    formatTable(
      ['Ingest into SQLite', 'Events', 'Events/s'],
      [
        ['DecnetEvent → Ingester → SqliteStore', String(INGEST_EVENTS), Math.round(direct).toLocaleString('en-US')],
        ['RFC 5424 line → parseLine → Ingester', String(INGEST_EVENTS), Math.round(viaLines).toLocaleString('en-US')],
      ],
    ),
  )
  const lines = Array.from({ length: 1000 }, (_, i) => formatEvent(sampleEvent(i)))
  const rows: LossRow[] = []
  for (const proto of ['tcp', 'udp'] as const) for (const rate of RATES) rows.push(await collectorLoss(proto, rate, lines))
  process.stdout.write('\n')
  process.stdout.write(
    formatTable(
      ['Collector (127.0.0.1)', 'Target/s', 'Achieved/s', 'Sent', 'Landed', 'Loss', 'Drain after send'],
      rows.map((r) => [
        r.proto.toUpperCase(),
        r.rate.toLocaleString('en-US'),
        Math.round(r.achieved).toLocaleString('en-US'),
        String(r.sent),
        String(r.landed),
        `${(((r.sent - r.landed) / r.sent) * 100).toFixed(2)}%`,
        `${Math.round(r.drainMs)} ms`,
      ]),
    ),
  )
}
