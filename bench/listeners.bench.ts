// The emulator kit's cost, measured side by side with the raw sockets it wraps
// (ratios, since this machine is shared and noisy):
//  1. TCP connection setup + one 32-byte echo + close: ctx.listenTcp (admission,
//     timers, connect/disconnect events, error guard) vs net.createServer.
//  2. UDP echo round trips: ctx.listenUdp (flow table, token buckets, events)
//     vs a bare dgram socket, from one source under the rate limit's burst.
//  3. LineServer vs a hand-rolled split('\r\n') reader: 10,000 pipelined lines.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, createServer, type AddressInfo } from 'node:net'
import { createSocket } from 'node:dgram'
import { randomBytes } from 'node:crypto'
import { BaseService } from '../src/services/base.js'
import { makeServiceContext } from '../src/runtime/service-runtime.js'
import { LineServer } from '../src/honeypots/shared/line-server.js'
import { formatTable } from '../src/cli/table.js'
import { sideBySide } from './kit.js'

export const name = 'listeners (emulator kit vs raw sockets)'

const CONNECTIONS = 1_000
const DATAGRAMS = 3_000
/** Raw and kit alternate this many times; the medians are compared. */
const ROUNDS = 3
const LINES = 10_000
const HOST = '127.0.0.1'
const CLIENT = '127.0.0.3'

class BenchService extends BaseService {
  readonly name = 'bench'
  readonly ports = [7]
}

function kit() {
  const home = mkdtempSync(join(tmpdir(), 'decnet-bench-kit-'))
  let events = 0
  const svc = makeServiceContext({
    decky: { name: 'decky-01', hostname: 'bench', ip: HOST, osFamily: 'linux', distro: 'debian' },
    plugin: new BenchService(),
    bindAddress: HOST,
    portMap: new Map([[7, 0], [8, 0], [9, 0]]),
    sink: { write: () => void events++ },
    home,
    artifactsRoot: join(home, 'a'),
    installSecret: randomBytes(32),
    limits: { maxConnections: 100_000, maxConnectionsPerIp: 100_000, udpDatagramsPerSecond: 1_000_000, udpReplyBytesPerSecond: 1 << 30 },
  })
  const { ctx, scope } = svc.openScope()
  return { ctx, scope, events: () => events, cleanup: () => rmSync(home, { recursive: true, force: true }) }
}

/** Sequential connect → write 32 bytes → read the echo → close; returns connections per second. */
async function tcpRounds(port: number, n: number): Promise<number> {
  const payload = Buffer.alloc(32, 0x61)
  const started = performance.now()
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve, reject) => {
      // a fresh client address per connection: thousands of TIME_WAIT sockets on one address slow connect() down
      const c = connect({ host: HOST, port, localAddress: `127.10.${(i >> 8) & 255}.${(i & 255) || 1}` }, () => c.write(payload))
      c.once('data', () => c.destroy())
      c.once('close', () => resolve())
      c.once('error', reject)
    })
  }
  return n / ((performance.now() - started) / 1000)
}

async function udpRounds(port: number, n: number): Promise<number> {
  const c = createSocket('udp4')
  await new Promise<void>((r) => c.bind(0, CLIENT, () => r()))
  const payload = Buffer.alloc(48, 0x62)
  const started = performance.now()
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve) => {
      c.once('message', () => resolve())
      c.send(payload, port, HOST)
    })
  }
  const rate = n / ((performance.now() - started) / 1000)
  c.close()
  return rate
}

async function lineRounds(port: number): Promise<number> {
  const body = Buffer.from(Array.from({ length: LINES }, (_, i) => `NOOP ${i}\r\n`).join(''))
  const started = performance.now()
  await new Promise<void>((resolve, reject) => {
    const c = connect({ host: HOST, port, localAddress: CLIENT }, () => c.write(body))
    let seen = 0
    c.on('data', (d: Buffer) => {
      for (const b of d) if (b === 0x0a && ++seen === LINES) c.destroy()
    })
    c.once('close', () => resolve())
    c.once('error', reject)
  })
  return LINES / ((performance.now() - started) / 1000)
}

export async function run(): Promise<void> {
  const rows: string[][] = []
  const k = kit()
  try {
    // 1. TCP
    const raw = createServer((s) => s.on('data', (d: Buffer) => s.write(d)).on('error', () => {}))
    await new Promise<void>((r) => raw.listen(0, HOST, () => r()))
    const tcpKit = await k.ctx.listenTcp(7, (s) => s.on('data', (d: Buffer) => s.write(d)))
    const [rawTcp, kitTcp] = await sideBySide(ROUNDS, () => tcpRounds((raw.address() as AddressInfo).port, CONNECTIONS), () => tcpRounds(tcpKit.port, CONNECTIONS))
    raw.close()
    rows.push(['tcp connect+echo+close', `${rawTcp.toFixed(0)}/s`, `${kitTcp.toFixed(0)}/s`, (kitTcp / rawTcp).toFixed(2)])

    // 2. UDP
    const rawUdp = createSocket('udp4')
    rawUdp.on('message', (m, r) => rawUdp.send(m, r.port, r.address))
    await new Promise<void>((r) => rawUdp.bind(0, HOST, () => r()))
    const udpKit = await k.ctx.listenUdp(8, (d) => void d.reply(d.data))
    const [rawRate, kitRate] = await sideBySide(ROUNDS, () => udpRounds(rawUdp.address().port, DATAGRAMS), () => udpRounds(udpKit.port, DATAGRAMS))
    rawUdp.close()
    rows.push(['udp echo round trip', `${rawRate.toFixed(0)}/s`, `${kitRate.toFixed(0)}/s`, (kitRate / rawRate).toFixed(2)])

    // 3. lines
    const rawLines = createServer((s) => {
      let buf = ''
      s.on('error', () => {})
      s.on('data', (d: Buffer) => {
        buf += d.toString('latin1')
        const parts = buf.split('\r\n')
        buf = parts.pop() ?? ''
        for (const p of parts) s.write(`+OK ${p.length}\r\n`)
      })
    })
    await new Promise<void>((r) => rawLines.listen(0, HOST, () => r()))
    const kitLines = await k.ctx.listenTcp(9, (socket, session) => {
      new LineServer(socket, session, { maxLineBytes: 8192, onLine: (line, srv) => srv.writeLine(`+OK ${line.raw.length}`) })
    })
    const [rawL, kitL] = await sideBySide(ROUNDS, () => lineRounds((rawLines.address() as AddressInfo).port), () => lineRounds(kitLines.port))
    rawLines.close()
    rows.push(['pipelined lines answered', `${rawL.toFixed(0)}/s`, `${kitL.toFixed(0)}/s`, (kitL / rawL).toFixed(2)])
  } finally {
    await k.scope.close()
    k.cleanup()
  }
  process.stdout.write(formatTable(['what', 'raw sockets', 'emulator kit', 'kit / raw'], rows) + '\n')
  process.stdout.write(`(medians of ${ROUNDS} alternating rounds; ${k.events()} events emitted by the kit)\n`)
}
