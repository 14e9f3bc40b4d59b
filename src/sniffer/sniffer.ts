// The passive sniffer: packets in, fingerprint events out.
//   decode (link/IP/TCP) → flow table → per-direction reassembly of the first
//   bytes → TLS ClientHello/ServerHello or SSH ident+KEXINIT → JA3/JA3S/JA4/
//   JA4S/JA4L/HASSH → DecnetEvent (service "sniffer") → dedup → sink.
// handle() never throws: a packet that breaks a parser costs that flow only.
import { Severity, type DecnetEvent, type EventFields } from '../events/event.js'
import type { EventSink } from '../events/sink.js'
import { PacketView, type RawPacket } from './capture/packet.js'
import { TCP_FLAG, addressText, decodeTcp, newSegment, type TcpSegment } from './decode.js'
import { Deduper } from './dedup.js'
import { Flow, PROTO } from './flow.js'
import { FlowTable, hash4 } from './flow-table.js'
import { ja4l } from '../fingerprints/foxio/ja4l.js'
import { ja4s } from '../fingerprints/foxio/ja4s.js'
import { DEFAULT_LIMITS, type SnifferLimits } from './limits.js'
import { toolOf } from '../fingerprints/tools.js'
import { hassh, hasshServer } from '../fingerprints/hassh.js'
import { SshReader, type SshProgress } from './ssh/ident.js'
import { ByteBudget, StreamBuffer } from './tcp/stream-buffer.js'
import { HandshakeReader, type ReaderResult } from './tls/handshake-reader.js'
import { HANDSHAKE, parseClientHello, parseServerHello, versionText } from './tls/hello.js'
import { ja3, ja3s } from '../fingerprints/ja3.js'
import { ja4 } from '../fingerprints/ja4.js'

/** Maps a destination address to the decky that owns it (the fleet state). */
export type DeckyResolver = (ip: string) => string | undefined

export const UNKNOWN_DECKY = 'unknown'
export const SERVICE = 'sniffer'
/** How often (capture time) idle flows are swept. */
const SWEEP_EVERY_US = 5_000_000
const SSH_PREFIX = Buffer.from('SSH-', 'latin1')

export interface SnifferOptions {
  sink: EventSink
  resolveDecky?: DeckyResolver
  limits?: Partial<SnifferLimits>
  /** Count repeats instead of emitting them (default true). */
  dedup?: boolean
}

export interface SnifferStats {
  packets: number
  tcp: number
  flowsCreated: number
  flowsEvicted: number
  flowsActive: number
  events: number
  errors: number
  bufferedBytes: number
}

export class Sniffer {
  readonly limits: Readonly<SnifferLimits>
  readonly #sink: EventSink
  readonly #resolve: DeckyResolver
  readonly #flows = new FlowTable()
  readonly #budget: ByteBudget
  readonly #dedup: Deduper | undefined
  readonly #seg: TcpSegment = newSegment()
  #nextSweepUs = 0
  #stats = { packets: 0, tcp: 0, flowsCreated: 0, flowsEvicted: 0, events: 0, errors: 0 }

  constructor(opts: SnifferOptions) {
    this.limits = Object.freeze({ ...DEFAULT_LIMITS, ...opts.limits })
    this.#sink = opts.sink
    this.#resolve = opts.resolveDecky ?? (() => undefined)
    this.#budget = new ByteBudget(this.limits.maxBufferedBytes)
    const out = (ev: DecnetEvent): void => {
      this.#stats.events++
      this.#sink.write(ev)
    }
    this.#dedup = opts.dedup === false ? undefined : new Deduper(out, this.limits.dedupWindowUs, this.limits.maxDedupKeys, packetTime)
  }

  get stats(): SnifferStats {
    return { ...this.#stats, flowsActive: this.#flows.size, bufferedBytes: this.#budget.used }
  }

  /** Feeds one captured packet. Never throws. */
  handle(p: RawPacket): void {
    this.#stats.packets++
    try {
      this.#packet(p)
    } catch {
      this.#stats.errors++
    }
  }

  /** End of input: emits pending dedup counts and forgets every flow. */
  flush(): void {
    for (const f of this.#flows.all()) f.release()
    this.#flows.clear()
    this.#dedup?.flush()
  }

  #packet(p: RawPacket): void {
    const seg = this.#seg
    const ok = p instanceof PacketView ? decodeTcp(p.linkType, p.bytes, seg, p.start, p.end) : decodeTcp(p.linkType, p.data, seg)
    if (!ok) return
    this.#stats.tcp++
    const now = p.tsUs
    if (now >= this.#nextSweepUs) this.#sweep(now)

    let srcEp: number | string
    let dstEp: number | string
    let key: number | string
    let flow: Flow | undefined
    if (seg.ipVersion === 4) {
      srcEp = seg.src4 * 65536 + seg.srcPort
      dstEp = seg.dst4 * 65536 + seg.dstPort
      key = srcEp < dstEp ? hash4(seg.src4, seg.srcPort, seg.dst4, seg.dstPort) : hash4(seg.dst4, seg.dstPort, seg.src4, seg.srcPort)
      flow = srcEp < dstEp ? this.#flows.get4(key, srcEp, dstEp) : this.#flows.get4(key, dstEp, srcEp)
    } else {
      srcEp = `${seg.data.toString('hex', seg.srcAddrOff, seg.srcAddrOff + 16)}:${seg.srcPort}`
      dstEp = `${seg.data.toString('hex', seg.dstAddrOff, seg.dstAddrOff + 16)}:${seg.dstPort}`
      key = srcEp < dstEp ? `${srcEp}-${dstEp}` : `${dstEp}-${srcEp}`
      flow = this.#flows.get6(key)
    }
    const flags = seg.flags
    const plen = seg.payloadEnd - seg.payloadOff
    if (!flow) {
      flow = this.#create(seg, key, srcEp, dstEp, flags, plen, now)
      if (!flow) return
    }
    flow.lastUs = now
    if (flow.done) {
      if (flags & (TCP_FLAG.RST | TCP_FLAG.FIN)) this.#flows.delete(flow)
      return
    }
    const fromClient = srcEp === flow.clientEp
    const syn = (flags & TCP_FLAG.SYN) !== 0
    const ack = (flags & TCP_FLAG.ACK) !== 0
    if (syn && !ack && fromClient) {
      if (flow.synAckUs === undefined) {
        flow.synUs = now // a retransmitted SYN restarts A: B − A measures the SYN the server answered
        flow.synTtl = seg.ttl
      }
      flow.c2s.setBase((seg.seq + 1) >>> 0)
    } else if (syn && ack && !fromClient) {
      if (flow.synAckUs === undefined) {
        flow.synAckUs = now
        flow.synAckTtl = seg.ttl
        flow.serverIsn = seg.seq
      }
      flow.s2c.setBase((seg.seq + 1) >>> 0)
    } else if (!syn && ack && fromClient && flow.ackUs === undefined && flow.serverIsn !== undefined && seg.ack === ((flow.serverIsn + 1) >>> 0)) {
      flow.ackUs = now
    }
    if (plen > 0) {
      const stream = fromClient ? flow.c2s : flow.s2c
      // data on a SYN (TCP Fast Open) starts right after the SYN's sequence number
      const seq = syn ? (seg.seq + 1) >>> 0 : seg.seq
      if (stream.add(seq, seg.data, seg.payloadOff, seg.payloadEnd)) this.#progress(flow, now)
      else if (stream.full && !(fromClient ? flow.clientDone : flow.serverDone)) this.#giveUp(flow, fromClient)
      // the packet's bytes may have been borrowed; keep them only if still needed
      if (!flow.done) stream.settle()
    }
    if (flags & TCP_FLAG.RST) this.#drop(flow)
  }

  #create(seg: TcpSegment, key: number | string, srcEp: number | string, dstEp: number | string, flags: number, plen: number, now: number): Flow | undefined {
    let clientIsSrc: boolean
    if (flags & TCP_FLAG.SYN) {
      clientIsSrc = (flags & TCP_FLAG.ACK) === 0
    } else if (plen > 0 && looksLikeClientHello(seg)) {
      clientIsSrc = true
    } else if (plen > 0 && startsWith(seg, SSH_PREFIX)) {
      const src = addressText(seg, 'src')
      const dst = addressText(seg, 'dst')
      if (this.#resolve(dst) !== undefined) clientIsSrc = true
      else if (this.#resolve(src) !== undefined) clientIsSrc = false
      else clientIsSrc = seg.srcPort > seg.dstPort
    } else {
      return undefined
    }
    if (this.#flows.size >= this.limits.maxFlows) this.#evictOldest()
    const srcIp = addressText(seg, 'src')
    const dstIp = addressText(seg, 'dst')
    const [lo, hi] = srcEp < dstEp ? [srcEp, dstEp] : [dstEp, srcEp]
    const flow = clientIsSrc
      ? new Flow(key, lo, hi, srcEp, srcIp, seg.srcPort, dstIp, seg.dstPort, now, this.#stream(true), this.#stream(false))
      : new Flow(key, lo, hi, dstEp, dstIp, seg.dstPort, srcIp, seg.srcPort, now, this.#stream(true), this.#stream(false))
    this.#flows.add(flow)
    this.#stats.flowsCreated++
    return flow
  }

  #stream(client: boolean): StreamBuffer {
    return new StreamBuffer(client ? this.limits.clientBytes : this.limits.serverBytes, this.#budget)
  }

  #evictOldest(): void {
    const oldest = this.#flows.oldest()
    if (!oldest) return
    this.#drop(oldest)
    this.#stats.flowsEvicted++
  }

  #drop(flow: Flow): void {
    flow.release()
    this.#flows.delete(flow)
  }

  #sweep(now: number): void {
    this.#nextSweepUs = now + SWEEP_EVERY_US
    const idle = this.limits.flowIdleUs
    const hs = this.limits.handshakeTimeoutUs
    for (const f of this.#flows.all()) {
      if (now - f.lastUs > idle || (!f.done && now - f.firstUs > hs)) this.#drop(f)
    }
  }

  /** Decides the protocol, then runs the handshake readers on what is buffered. */
  #progress(flow: Flow, now: number): void {
    if (flow.proto === PROTO.UNKNOWN) {
      flow.proto = detect(flow.c2s.bytes(), flow.s2c.bytes())
      if (flow.proto === PROTO.UNKNOWN) return
      if (flow.proto === PROTO.OTHER) return this.#finish(flow)
      if (flow.proto === PROTO.TLS) {
        flow.clientTls = new HandshakeReader()
        flow.serverTls = new HandshakeReader()
      } else {
        flow.clientSsh = new SshReader()
        flow.serverSsh = new SshReader()
      }
    }
    if (flow.proto === PROTO.TLS) {
      if (!flow.clientDone && flow.clientTls) this.#tlsClient(flow, flow.clientTls.feed(flow.c2s.bytes()), now)
      if (!flow.serverDone && flow.serverTls) this.#tlsServer(flow, flow.serverTls.feed(flow.s2c.bytes()), now)
    } else if (flow.proto === PROTO.SSH) {
      if (!flow.clientDone && flow.clientSsh) this.#sshClient(flow, flow.clientSsh.feed(flow.c2s.bytes()), now)
      if (!flow.serverDone && flow.serverSsh) this.#sshServer(flow, flow.serverSsh.feed(flow.s2c.bytes()), now)
    }
    if (flow.clientDone && flow.serverDone) this.#finish(flow)
  }

  #giveUp(flow: Flow, client: boolean): void {
    if (client) {
      flow.clientDone = true
      flow.c2s.release()
    } else {
      flow.serverDone = true
      flow.s2c.release()
    }
    if (flow.proto === PROTO.UNKNOWN || (flow.clientDone && flow.serverDone)) this.#finish(flow)
  }

  #finish(flow: Flow): void {
    flow.release()
    flow.clientDone = flow.serverDone = true
    flow.done = true
  }

  #tlsClient(flow: Flow, r: ReaderResult, now: number): void {
    if (r.state === 'more') return
    this.#giveUp(flow, true)
    if (r.state !== 'done' || r.type !== HANDSHAKE.CLIENT_HELLO) return
    const hello = parseClientHello(r.body)
    if (!hello) return
    const j3 = ja3(hello)
    const j4 = ja4(hello)
    flow.client = { ja3: j3.ja3, ja4: j4.ja4, sni: hello.sni }
    this.#emit(flow, 'tls_client_hello', `${j3.ja3}|${j4.ja4}`, now, {
      ja3: j3.ja3,
      ja3_full: j3.full,
      ja4: j4.ja4,
      ja4_r: j4.ja4_r,
      ja4_o: j4.ja4_o,
      ja4_ro: j4.ja4_ro,
      tls_version: versionText(highestVersion(hello.legacyVersion, hello.supportedVersions)),
      tls_legacy_version: versionText(hello.legacyVersion),
      sni: hello.sni,
      alpn: hello.alpn.map((a) => a.toString('latin1').replace(/[^\x20-\x7e]/g, '?')).join(','),
      raw_ciphers: hello.ciphers.join('-'),
      raw_extensions: hello.extensions.join('-'),
      ...ja4l(flow),
    })
  }

  #tlsServer(flow: Flow, r: ReaderResult, now: number): void {
    if (r.state === 'more') return
    this.#giveUp(flow, false)
    if (r.state !== 'done' || r.type !== HANDSHAKE.SERVER_HELLO) return
    const hello = parseServerHello(r.body)
    if (!hello) return
    const j3s = ja3s(hello)
    const j4s = ja4s(hello)
    this.#emit(flow, 'tls_server_hello', `${j3s.ja3}|${j4s.ja4s}|${flow.client?.ja4 ?? ''}`, now, {
      ja3s: j3s.ja3,
      ja3s_full: j3s.full,
      ja4s: j4s.ja4s,
      ja4s_r: j4s.ja4s_r,
      tls_version: versionText(hello.selectedVersion ?? hello.legacyVersion),
      cipher: `0x${hello.cipher.toString(16).padStart(4, '0')}`,
      alpn: hello.alpn?.toString('latin1').replace(/[^\x20-\x7e]/g, '?'),
      // the client's values under other names: the hello event already counted them
      client_ja3: flow.client?.ja3,
      client_ja4: flow.client?.ja4,
      sni: flow.client?.sni,
    })
  }

  #sshClient(flow: Flow, r: SshProgress, now: number): void {
    if (r.ident !== undefined && !flow.bannerEmitted) {
      flow.bannerEmitted = true
      this.#emit(flow, 'ssh_client_banner', r.ident, now, { ssh_version: r.ident, tool: toolOf(r.ident), ...ja4l(flow) })
    }
    if (r.state === 'more') return
    this.#giveUp(flow, true)
    if (r.state !== 'done') return
    const h = hassh(r.kex)
    this.#emit(flow, 'ssh_client_kex', h.hash, now, {
      hassh: h.hash,
      hassh_algorithms: h.algorithms,
      ssh_version: r.ident,
    })
  }

  #sshServer(flow: Flow, r: SshProgress, now: number): void {
    if (r.state === 'more') return
    this.#giveUp(flow, false)
    if (r.state !== 'done') return
    const h = hasshServer(r.kex)
    this.#emit(flow, 'ssh_server_kex', h.hash, now, {
      hassh_server: h.hash,
      hassh_server_algorithms: h.algorithms,
      ssh_server_version: r.ident,
    })
  }

  #emit(flow: Flow, type: string, fingerprint: string, now: number, extra: Record<string, string | undefined>): void {
    let count = 1
    let key = ''
    if (this.#dedup) {
      key = `${type}|${flow.clientIp}|${flow.serverIp}|${fingerprint}`
      count = this.#dedup.admit(key, now)
      if (count === 0) return
    }
    const fields: EventFields = {
      src_ip: flow.clientIp,
      src_port: String(flow.clientPort),
      dst_ip: flow.serverIp,
      dst_port: String(flow.serverPort),
    }
    for (const k in extra) {
      const v = extra[k]
      if (v !== undefined) fields[k] = v
    }
    fields.count = String(count)
    const ev: DecnetEvent = {
      time: packetTime(now),
      decky: this.#resolve(flow.serverIp) ?? UNKNOWN_DECKY,
      service: SERVICE,
      type,
      severity: Severity.INFO,
      fields,
    }
    this.#dedup?.opened(key, ev)
    this.#stats.events++
    this.#sink.write(ev)
  }
}

function highestVersion(legacy: number, supported: readonly number[]): number {
  let v = -1
  for (const s of supported) if ((s & 0x0f0f) !== 0x0a0a && s > v) v = s
  return v >= 0 ? v : legacy
}

/** TLS record header + handshake type 1 (RFC 8446 §5.1, §4). */
function looksLikeClientHello(seg: TcpSegment): boolean {
  const d = seg.data
  const o = seg.payloadOff
  return seg.payloadEnd - o >= 6 && d[o] === 0x16 && d[o + 1] === 0x03 && d[o + 5] === HANDSHAKE.CLIENT_HELLO
}

function startsWith(seg: TcpSegment, prefix: Buffer): boolean {
  if (seg.payloadEnd - seg.payloadOff < prefix.length) return false
  return seg.data.compare(prefix, 0, prefix.length, seg.payloadOff, seg.payloadOff + prefix.length) === 0
}

/**
 * TLS if the client starts with a handshake record, SSH if either side starts with "SSH-".
 * (An SSH server's pre-identification lines, RFC 4253 §4.2, are only read when the client spoke first.)
 */
function detect(c: Buffer, s: Buffer): (typeof PROTO)[keyof typeof PROTO] {
  if (c.length > 0) {
    if (c[0] === 0x16) return c.length < 2 ? PROTO.UNKNOWN : c[1] === 0x03 ? PROTO.TLS : PROTO.OTHER
    const n = Math.min(c.length, 4)
    if (c.compare(SSH_PREFIX, 0, n, 0, n) === 0) return n < 4 ? PROTO.UNKNOWN : PROTO.SSH
    return PROTO.OTHER
  }
  if (s.length >= 4) return s.compare(SSH_PREFIX, 0, 4, 0, 4) === 0 ? PROTO.SSH : PROTO.OTHER // a server-first protocol that is not SSH
  return PROTO.UNKNOWN // wait for more bytes
}

/** RFC 5424 / ISO-8601 time with microseconds from a capture timestamp. */
export function packetTime(tsUs: number): string {
  const us = Math.max(0, Math.floor(tsUs))
  const iso = new Date(Math.floor(us / 1000)).toISOString()
  return `${iso.slice(0, 19)}.${String(us % 1_000_000).padStart(6, '0')}+00:00`
}
