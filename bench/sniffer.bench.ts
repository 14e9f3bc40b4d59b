// Sniffer throughput, offline: packets/s through pcap parsing, decoding, flow
// tracking, reassembly and fingerprinting, on a generated capture of ~1M
// packets (20k TCP connections, 1000 open at a time: TLS with one- and
// two-segment ClientHellos, SSH, and plain data after the handshakes).
// Goal (issue 5): ≥ 500k packets/s on the 2-core CI machine.
//   npm run bench -- sniffer      or      node --import tsx bench/sniffer.bench.ts
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { formatTable } from '../src/cli/table.js'
import { FileSource, Sniffer, readCapture } from '../src/sniffer/index.js'
import { clientHelloBody, ext, handshake, kexinitPacket, pcapHeader, records, serverHelloBody } from '../test/helpers/sniffer-synth.js'

export const name = 'sniffer'

const CONNECTIONS = 20_000
const CONCURRENT = 1_000
const DATA_PACKETS = 42
const DATA_BYTES = 64
const GOAL_PPS = 500_000

const HELLOS = [
  // classic TLS 1.2/1.3 hello, one segment
  records(handshake(1, clientHelloBody({ ciphers: [0x1301, 0x1302, 0xc02b, 0xc02f, 0x009c], extensions: [ext.sni('a.example'), ext.groups([29, 23]), ext.sigAlgs([0x0403, 0x0804]), ext.versions([0x0304, 0x0303]), ext.keyShare(29, 32)] }))),
  // post-quantum hello (~1.5 KB): two segments
  records(handshake(1, clientHelloBody({ sessionId: Buffer.alloc(32, 1), ciphers: [0x2a2a, 0x1301, 0x1302, 0x1303], extensions: [ext.sni('b.example'), ext.alpn(['h2', 'http/1.1']), ext.groups([0x11ec, 29]), ext.sigAlgs([0x0403]), ext.versions([0x0304]), ext.keyShare(0x11ec, 1216)] }))),
]
const SERVER_HELLO = records(handshake(2, serverHelloBody(0x0303, 0x1301, [{ type: 43, data: Buffer.from([3, 4]) }, { type: 51, data: Buffer.alloc(36) }])))
const SSH_CLIENT = Buffer.concat([Buffer.from('SSH-2.0-OpenSSH_9.6\r\n'), kexinitPacket({ kex: 'curve25519-sha256', hostKey: 'ssh-ed25519', enc: ['aes128-ctr', 'aes128-ctr'], mac: ['hmac-sha2-256', 'hmac-sha2-256'], comp: ['none', 'none'] })])
const SSH_SERVER = Buffer.concat([Buffer.from('SSH-2.0-OpenSSH_8.4\r\n'), kexinitPacket({ kex: 'curve25519-sha256', hostKey: 'ssh-ed25519', enc: ['aes256-ctr', 'aes256-ctr'], mac: ['hmac-sha1', 'hmac-sha1'], comp: ['none', 'none'] })])
const DATA = Buffer.alloc(DATA_BYTES, 0x17)

/** Writes pcap record + Ethernet + IPv4 + TCP + payload at `off`; returns the next offset. */
function frame(buf: Buffer, off: number, tsUs: number, src: number, dst: number, sport: number, dport: number, seq: number, ack: number, flags: number, payload: Buffer, pStart = 0, pEnd = payload.length): number {
  const plen = pEnd - pStart
  const flen = 14 + 20 + 20 + plen
  buf.writeUInt32LE(Math.floor(tsUs / 1e6), off)
  buf.writeUInt32LE(tsUs % 1e6, off + 4)
  buf.writeUInt32LE(flen, off + 8)
  buf.writeUInt32LE(flen, off + 12)
  let o = off + 16
  buf.fill(0, o, o + 12)
  buf.writeUInt16BE(0x0800, o + 12)
  o += 14
  buf[o] = 0x45
  buf[o + 1] = 0
  buf.writeUInt16BE(40 + plen, o + 2)
  buf.writeUInt32BE(0x00004000, o + 4)
  buf[o + 8] = 64
  buf[o + 9] = 6
  buf.writeUInt16BE(0, o + 10)
  buf.writeUInt32BE(src >>> 0, o + 12)
  buf.writeUInt32BE(dst >>> 0, o + 16)
  o += 20
  buf.writeUInt16BE(sport, o)
  buf.writeUInt16BE(dport, o + 2)
  buf.writeUInt32BE(seq >>> 0, o + 4)
  buf.writeUInt32BE(ack >>> 0, o + 8)
  buf[o + 12] = 0x50
  buf[o + 13] = flags
  buf.writeUInt32BE(0xffff0000, o + 14)
  buf.writeUInt16BE(0, o + 18)
  o += 20
  payload.copy(buf, o, pStart, pEnd)
  return o + plen
}

interface Conn {
  src: number
  dst: number
  sport: number
  dport: number
  cseq: number
  sseq: number
  step: number
  kind: number
}

/** The whole capture in memory. */
export function generate(): { bytes: Buffer; packets: number } {
  const buf = Buffer.allocUnsafe(CONNECTIONS * (DATA_PACKETS * (54 + 16 + DATA_BYTES) + 8 * 70 + 4000))
  let off = pcapHeader().copy(buf, 0)
  let packets = 0
  let t = 1_764_000_000_000_000
  let next = 0
  const open: Conn[] = []
  const steps = 3 + 2 + 1 + DATA_PACKETS + 2
  const add = (c: Conn, fromClient: boolean, flags: number, payload: Buffer, a = 0, b = payload.length) => {
    t += 3
    packets++
    if (fromClient) {
      off = frame(buf, off, t, c.src, c.dst, c.sport, c.dport, c.cseq, c.sseq, flags, payload, a, b)
      c.cseq += b - a
    } else {
      off = frame(buf, off, t, c.dst, c.src, c.dport, c.sport, c.sseq, c.cseq, flags, payload, a, b)
      c.sseq += b - a
    }
  }
  const EMPTY = Buffer.alloc(0)
  while (next < CONNECTIONS || open.length > 0) {
    while (open.length < CONCURRENT && next < CONNECTIONS) {
      const i = next++
      open.push({ src: (198 << 24) | (51 << 16) | (i % 5000), dst: (10 << 24) | (1 << 8) | (i % 32), sport: 1024 + (i % 60000), dport: i % 10 === 0 ? 22 : 443, cseq: i * 7919, sseq: i * 104729, step: 0, kind: i % 10 === 0 ? 2 : i % 2 })
    }
    for (let k = open.length - 1; k >= 0; k--) {
      const c = open[k]!
      const s = c.step++
      if (s === 0) {
        add(c, true, 0x02, EMPTY)
        c.cseq += 1
      } else if (s === 1) {
        add(c, false, 0x12, EMPTY)
        c.sseq += 1
      } else if (s === 2) add(c, true, 0x10, EMPTY)
      else if (s === 3 || s === 4) {
        const hello = c.kind === 2 ? SSH_CLIENT : HELLOS[c.kind]!
        const half = c.kind === 1 ? Math.ceil(hello.length / 2) : hello.length
        if (s === 3) add(c, true, 0x18, hello, 0, half)
        else if (half < hello.length) add(c, true, 0x18, hello, half, hello.length)
        else add(c, false, 0x10, EMPTY)
      } else if (s === 5) add(c, false, 0x18, c.kind === 2 ? SSH_SERVER : SERVER_HELLO)
      else if (s < steps - 2) add(c, s % 2 === 0, 0x18, DATA)
      else if (s === steps - 2) add(c, true, 0x11, EMPTY)
      else {
        add(c, false, 0x11, EMPTY)
        open[k] = open[open.length - 1]!
        open.pop()
      }
    }
  }
  return { bytes: buf.subarray(0, off), packets }
}

interface Measure {
  seconds: number
  cpuSeconds: number
  events: number
  errors: number
}

function sniffMemory(bytes: Buffer): Measure {
  let events = 0
  const sniffer = new Sniffer({ sink: { write: () => events++ } })
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  readCapture(bytes, (p) => sniffer.handle(p))
  sniffer.flush()
  const cpu = process.cpuUsage(c0)
  return { seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, events, errors: sniffer.stats.errors }
}

async function sniffFile(file: string): Promise<Measure> {
  let events = 0
  const sniffer = new Sniffer({ sink: { write: () => events++ } })
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  await new FileSource(file).run((p) => sniffer.handle(p))
  sniffer.flush()
  const cpu = process.cpuUsage(c0)
  return { seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, events, errors: sniffer.stats.errors }
}

export async function run(): Promise<void> {
  const g0 = performance.now()
  const { bytes, packets } = generate()
  const genMs = performance.now() - g0
  const rows: string[][] = []
  const row = (label: string, m: Measure) =>
    rows.push([label, String(packets), m.seconds.toFixed(2), Math.round(packets / m.seconds).toLocaleString('en'), Math.round(packets / m.cpuSeconds).toLocaleString('en'), String(m.events), String(m.errors)])

  // first pass: cold (JIT warming up, generator garbage still on the heap)
  row('memory, cold', sniffMemory(bytes))
  const warm = [sniffMemory(bytes), sniffMemory(bytes), sniffMemory(bytes)].sort((a, b) => a.seconds - b.seconds)
  row('memory, warm (median of 3)', warm[1]!)

  const dir = mkdtempSync(join(tmpdir(), 'decnet-bench-sniffer-'))
  try {
    const file = join(dir, 'bench.pcap')
    writeFileSync(file, bytes)
    row('pcap file (4 MiB reads)', await sniffFile(file))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  process.stdout.write(formatTable(['Source', 'Packets', 'Seconds', 'Packets/s', 'Packets/CPU-s', 'Events', 'Errors'], rows))
  process.stdout.write(
    `capture: ${(bytes.length / 1e6).toFixed(0)} MB, ${CONNECTIONS} connections (${CONCURRENT} open at once), generated in ${(genMs / 1000).toFixed(1)} s; ` +
      `goal ≥ ${GOAL_PPS.toLocaleString('en')} packets/s\n`,
  )
}

export default run

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run()
