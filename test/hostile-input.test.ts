// The hostile-input contract every emulator must keep (one suite per
// contract, run for every implementation). For every registered plugin
// with an emulator and each of its TCP ports:
//   - random and half-valid garbage on fresh connections ends in a close or
//     silence, and nothing is thrown past the session;
//   - a 2 MiB flood on one connection is cut off, and memory stays flat;
//   - an idle connection is closed after limits.idleTimeoutMs, a slow drip
//     after limits.maxSessionMs;
//   - limits.maxConnectionsPerIp holds, with a `connection_refused` event;
//   - afterwards the service still answers a well-formed first exchange;
//   - every peer event carries both src_ip and src_port.
// For each UDP port (clients send from CLIENT_UDP, another loopback address):
//   - random datagrams, an oversized one and a 5,000-datagram flood from one
//     source cost nothing: no exception past the handler, memory flat, replies
//     within the per-source byte budget (no amplification), one rate_limited event;
//   - more source ports than limits.maxConnectionsPerIp are refused with one
//     connection_refused event;
//   - idle flows end with a disconnect; every peer event names the client;
//   - a fresh source still gets an answer to a well-formed request.
// A new emulator must add its ports to CONTRACTS / UDP_CONTRACTS below; the suite fails until it does.
import { after, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { connect as tlsConnect } from 'node:tls'
import { allServices, loadServices, registerCustomService } from '../src/services/registry.js'
import { DEFAULT_LIMITS } from '../src/runtime/limits.js'
import { UdpAmplifierService } from './fixtures/udp-amplifier.js'
import type { DecnetEvent } from '../src/events/event.js'
import { CLIENT_ADDRESS, startEmulator } from './helpers/emulator.js'

const HOST = '127.0.0.1'
/** TCP clients connect from here (the emulators listen on HOST): every src_ip must name it. */
const CLIENT = CLIENT_ADDRESS
/** The source that fills a service up in the fair-slot case. */
const HOG = '127.0.0.6'
const MiB = 1024 * 1024

const LIMITS = Object.freeze({
  /** Random payloads per port, each 1..maxGarbageBytes, on fresh connections. */
  garbagePayloads: 50,
  /** Extra payloads per port: a valid protocol start followed by random bytes. */
  framedPayloads: 20,
  maxGarbageBytes: 4096,
  /** How long one garbage connection may stay open before we count it "left open" and hang up. */
  garbageWaitMs: 300,
  garbageConcurrency: 8,
  floodBytes: 2 * MiB,
  floodChunkBytes: 64 * 1024,
  /** No 'drain' for this long while flooding: the server stopped reading. */
  floodStallMs: 1000,
  /** After the whole flood is written, time allowed for the server to hang up. */
  floodCloseMs: 2000,
  maxRssGrowthBytes: 200 * MiB,
  idleTimeoutMs: 300,
  /** An idle connection must be gone this long after idleTimeoutMs (well before maxSessionMs). */
  idleSlackMs: 1200,
  /** A slow drip resets the idle timer; the session cap must end it. */
  maxSessionMs: 2000,
  dripEveryMs: 100,
  /** Scheduling slack on 2 busy cores. */
  slackMs: 2000,
  perIpCap: 3,
  /** maxHandshakeMs of the instance that checks the login deadline. */
  handshakeMs: 800,
  /** maxConnections of the instance one source fills up. */
  fullCap: 4,
  probeTimeoutMs: 5000,
  /** The longest the shared event loop may stall during an abuse case. */
  maxStallMs: 100,
  /** Guard for one service's whole contract run. */
  serviceTimeoutMs: 30_000,
})

// ---------------------------------------------------------------- per-port contracts

interface PortContract {
  /** A well-formed first exchange; resolves with a short description of the answer, throws if wrong. */
  probe(port: number): Promise<string>
  /** A protocol start wrapped around attacker bytes (gets the parser past its first check). */
  frame(rest: Buffer): Buffer
}

/** Connect, send `bytes`, collect until `done(buf)` or the server closes; never longer than probeTimeoutMs. */
function exchange(port: number, bytes: Buffer, done: (buf: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: HOST, port, localAddress: CLIENT })
    let buf = Buffer.alloc(0)
    const finish = (err?: Error) => {
      clearTimeout(timer)
      sock.destroy()
      if (err) reject(err)
      else resolve(buf)
    }
    const timer = setTimeout(() => finish(new Error(`no answer on port ${port} within ${LIMITS.probeTimeoutMs} ms (got ${buf.length} bytes)`)), LIMITS.probeTimeoutMs)
    sock.on('connect', () => sock.write(bytes))
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      if (done(buf)) finish()
    })
    sock.on('error', (e) => finish(e))
    sock.on('close', () => finish())
  })
}

const text = (b: Buffer) => JSON.stringify(b.subarray(0, 60).toString('latin1'))

async function httpProbe(port: number): Promise<string> {
  const buf = await exchange(port, Buffer.from('GET / HTTP/1.0\r\n\r\n'), (b) => b.includes('\r\n\r\n'))
  assert.ok(buf.toString('latin1').startsWith('HTTP/1.'), `http probe: answer ${text(buf)} is not HTTP/1.x`)
  return buf.subarray(0, buf.indexOf('\r\n')).toString('latin1')
}

/** A full TLS handshake (any certificate), then an HTTP/1.0 request over it. */
function tlsHttpProbe(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = tlsConnect({ host: HOST, socket: connect({ host: HOST, port, localAddress: CLIENT }), rejectUnauthorized: false })
    let buf = Buffer.alloc(0)
    let version = ''
    const finish = (err?: Error) => {
      clearTimeout(timer)
      sock.destroy()
      if (err) return reject(err)
      if (!buf.toString('latin1').startsWith('HTTP/1.')) return reject(new Error(`https probe: answer ${text(buf)} is not HTTP/1.x`))
      resolve(`${version} ${buf.subarray(0, buf.indexOf('\r\n')).toString('latin1')}`)
    }
    const timer = setTimeout(() => finish(new Error(`TLS probe on port ${port}: no answer within ${LIMITS.probeTimeoutMs} ms`)), LIMITS.probeTimeoutMs)
    sock.on('secureConnect', () => {
      version = sock.getProtocol() ?? '?'
      sock.write('GET / HTTP/1.0\r\n\r\n')
    })
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      if (buf.includes('\r\n\r\n')) finish()
    })
    sock.on('error', (e) => finish(e))
    sock.on('close', () => finish(version ? undefined : new Error(`TLS probe on port ${port}: closed before the handshake completed`)))
  })
}

async function sshProbe(port: number): Promise<string> {
  const buf = await exchange(port, Buffer.from('SSH-2.0-OpenSSH_9.6\r\n'), (b) => b.includes('\r\n'))
  assert.ok(buf.toString('latin1').startsWith('SSH-2.0-'), `ssh probe: banner ${text(buf)} does not start with SSH-2.0-`)
  return buf.subarray(0, buf.indexOf('\r\n')).toString('latin1')
}

function nbss(payload: Buffer, type = 0): Buffer {
  const h = Buffer.alloc(4)
  h[0] = type
  h.writeUIntBE(payload.length, 1, 3)
  return Buffer.concat([h, payload])
}

const SMB2_MAGIC = Buffer.from([0xfe, 0x53, 0x4d, 0x42])

/** SMB2 NEGOTIATE (MS-SMB2 2.2.3) offering 2.0.2, 2.1, 3.0.2, in a 64-byte SMB2 header (2.2.1.2). */
function smb2Negotiate(): Buffer {
  const h = Buffer.alloc(64)
  SMB2_MAGIC.copy(h, 0)
  h.writeUInt16LE(64, 4) // StructureSize
  h.writeUInt16LE(0, 12) // Command NEGOTIATE
  h.writeUInt16LE(1, 14) // CreditRequest
  const dialects = [0x0202, 0x0210, 0x0302]
  const b = Buffer.alloc(36 + dialects.length * 2)
  b.writeUInt16LE(36, 0) // StructureSize
  b.writeUInt16LE(dialects.length, 2)
  b.writeUInt16LE(1, 4) // SecurityMode: signing enabled
  dialects.forEach((d, i) => b.writeUInt16LE(d, 36 + i * 2))
  return Buffer.concat([h, b])
}

async function smbProbe(port: number): Promise<string> {
  const full = (b: Buffer) => b.length >= 4 && b.length >= 4 + b.readUIntBE(1, 3)
  const buf = await exchange(port, nbss(smb2Negotiate()), full)
  assert.ok(full(buf), `smb probe: no complete NBSS frame (got ${buf.length} bytes)`)
  assert.equal(buf[0], 0, `smb probe: NBSS type 0x${(buf[0] ?? 0).toString(16)}, not a session message`)
  assert.ok(buf.subarray(4, 8).equals(SMB2_MAGIC), 'smb probe: NBSS payload is not SMB2')
  return `NBSS session message, ${buf.length - 4} bytes of SMB2`
}

function tpkt(x224: Buffer): Buffer {
  const h = Buffer.from([3, 0, 0, 0])
  h.writeUInt16BE(4 + x224.length, 2)
  return Buffer.concat([h, x224])
}

/** X.224 Connection Request (MS-RDPBCGR 2.2.1.1) with a cookie and RDP_NEG_REQ for TLS|CredSSP. */
function x224ConnectionRequest(): Buffer {
  const cookie = Buffer.from('Cookie: mstshash=probe\r\n')
  const neg = Buffer.from([0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00])
  const body = Buffer.concat([Buffer.from([0xe0, 0, 0, 0, 0, 0]), cookie, neg])
  return tpkt(Buffer.concat([Buffer.from([body.length]), body]))
}

async function rdpProbe(port: number): Promise<string> {
  const full = (b: Buffer) => b.length >= 4 && b.length >= b.readUInt16BE(2)
  const buf = await exchange(port, x224ConnectionRequest(), full)
  assert.ok(full(buf), `rdp probe: no complete TPKT (got ${buf.length} bytes)`)
  assert.deepEqual([buf[0], buf[1]], [3, 0], `rdp probe: ${buf.subarray(0, 4).toString('hex')} is not a TPKT header`)
  assert.equal(buf[5], 0xd0, 'rdp probe: TPKT does not carry an X.224 Connection Confirm')
  return `TPKT ${buf.readUInt16BE(2)} bytes, X.224 CC`
}

const httpFrame = (rest: Buffer) => Buffer.concat([Buffer.from('GET / HTTP/1.1\r\nHost: a\r\nX-Pad: '), rest])
/** A TLS handshake record header claiming a ClientHello, then attacker bytes. */
const tlsFrame = (rest: Buffer) => {
  const h = Buffer.from([0x16, 0x03, 0x01, 0, 0, 0x01])
  h.writeUInt16BE(Math.min(rest.length + 1, 0xffff), 3)
  return Buffer.concat([h, rest])
}
const sshFrame = (rest: Buffer) => Buffer.concat([Buffer.from('SSH-2.0-OpenSSH_9.6\r\n'), rest])
const smbFrame = (rest: Buffer) => nbss(Buffer.concat([SMB2_MAGIC, rest]))
const rdpFrame = (rest: Buffer) => tpkt(Buffer.concat([Buffer.from([0x06, 0xe0, 0, 0, 0, 0, 0]), rest.subarray(0, 0xfff0)]))

/** Connect over TLS, send `bytes`, collect until `done(buf)`; the TLS version and the first line. */
function tlsExchange(port: number, bytes: Buffer, done: (buf: Buffer) => boolean): Promise<{ version: string; buf: Buffer }> {
  return new Promise((resolve, reject) => {
    const sock = tlsConnect({ socket: connect({ host: HOST, port, localAddress: CLIENT }), rejectUnauthorized: false })
    let buf = Buffer.alloc(0)
    let version = ''
    const finish = (err?: Error) => {
      clearTimeout(timer)
      sock.destroy()
      if (err) reject(err)
      else resolve({ version, buf })
    }
    const timer = setTimeout(() => finish(new Error(`TLS probe on port ${port}: no answer within ${LIMITS.probeTimeoutMs} ms`)), LIMITS.probeTimeoutMs)
    sock.on('secureConnect', () => {
      version = sock.getProtocol() ?? '?'
      sock.write(bytes)
    })
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      if (done(buf)) finish()
    })
    sock.on('error', (e) => finish(e))
    sock.on('close', () => finish(version ? undefined : new Error(`TLS probe on port ${port}: closed before the handshake completed`)))
  })
}

const firstLine = (b: Buffer) => b.subarray(0, b.indexOf('\r\n')).toString('latin1')
const POP3_CAPA = Buffer.from('CAPA\r\n')
const IMAP_CAPA = Buffer.from('p1 CAPABILITY\r\n')
const pop3Done = (b: Buffer) => b.includes('\r\n.\r\n')
const imapDone = (b: Buffer) => b.includes('p1 OK')

async function pop3Probe(port: number): Promise<string> {
  const buf = await exchange(port, POP3_CAPA, pop3Done)
  assert.ok(buf.toString('latin1').startsWith('+OK Dovecot'), `pop3 probe: greeting ${text(buf)} is not Dovecot's`)
  assert.ok(pop3Done(buf), `pop3 probe: no CAPA list (got ${text(buf)})`)
  return firstLine(buf)
}

async function pop3sProbe(port: number): Promise<string> {
  const { version, buf } = await tlsExchange(port, POP3_CAPA, pop3Done)
  assert.ok(buf.toString('latin1').startsWith('+OK Dovecot') && pop3Done(buf), `pop3s probe: answer ${text(buf)}`)
  return `${version} ${firstLine(buf)}`
}

async function imapProbe(port: number): Promise<string> {
  const buf = await exchange(port, IMAP_CAPA, imapDone)
  assert.ok(buf.toString('latin1').startsWith('* OK [CAPABILITY IMAP4rev1'), `imap probe: greeting ${text(buf)} is not IMAP4rev1`)
  assert.ok(imapDone(buf), `imap probe: CAPABILITY not completed (got ${text(buf)})`)
  return firstLine(buf)
}

async function imapsProbe(port: number): Promise<string> {
  const { version, buf } = await tlsExchange(port, IMAP_CAPA, imapDone)
  assert.ok(buf.toString('latin1').startsWith('* OK [CAPABILITY IMAP4rev1') && imapDone(buf), `imaps probe: answer ${text(buf)}`)
  return `${version} ${firstLine(buf)}`
}

const pop3Frame = (rest: Buffer) => Buffer.concat([Buffer.from('USER '), rest])
const imapFrame = (rest: Buffer) => Buffer.concat([Buffer.from('a1 LOGIN '), rest])

async function ftpProbe(port: number): Promise<string> {
  const buf = await exchange(port, Buffer.from('USER anonymous\r\n'), (b) => b.includes('\r\n331 '))
  const s = buf.toString('latin1')
  assert.ok(/^220[ -]/.test(s), `ftp probe: greeting ${text(buf)} is not a 220`)
  assert.ok(s.includes('\r\n331 '), `ftp probe: USER answered ${text(buf)}, not 331`)
  return s.slice(0, s.indexOf('\r\n'))
}
/** An anonymous login, then attacker bytes as commands of a logged-in session. */
const ftpFrame = (rest: Buffer) => Buffer.concat([Buffer.from('USER anonymous\r\nPASS probe@example.com\r\n'), rest])

const SMTP_EHLO = Buffer.from('EHLO probe.example\r\n')
const smtpDone = (b: Buffer) => b.includes('\r\n250 CHUNKING\r\n')
async function smtpProbe(port: number): Promise<string> {
  const buf = await exchange(port, SMTP_EHLO, smtpDone)
  assert.ok(/^220 \S+ ESMTP Postfix \(Debian\/GNU\)\r\n/.test(buf.toString('latin1')), `smtp probe: greeting ${text(buf)} is not Postfix's`)
  assert.ok(smtpDone(buf), `smtp probe: no EHLO reply (got ${text(buf)})`)
  return firstLine(buf)
}
/** EHLO, then attacker bytes as the sender address of a MAIL command. */
const smtpFrame = (rest: Buffer) => Buffer.concat([Buffer.from('EHLO probe.example\r\nMAIL FROM:<'), rest])

const TELNET_REFUSE = Buffer.from([255, 252, 24, 255, 252, 32, 255, 252, 35, 255, 252, 39]) // WONT TTYPE/TSPEED/XDISPLOC/NEW-ENVIRON
async function telnetProbe(port: number): Promise<string> {
  const buf = await exchange(port, TELNET_REFUSE, (b) => /(login|Username): $/.test(b.toString('latin1')))
  assert.equal(buf[0], 255, `telnet probe: ${text(buf)} does not open with IAC`)
  const s = buf.toString('latin1')
  assert.match(s, /(login|Username): $/, `telnet probe: no login prompt in ${text(buf)}`)
  return JSON.stringify(s.slice(s.lastIndexOf('\r\n') + 2))
}
const telnetFrame = (rest: Buffer) => Buffer.concat([TELNET_REFUSE, rest])

const HTTP: PortContract = { probe: httpProbe, frame: httpFrame }
const HTTPS: PortContract = { probe: tlsHttpProbe, frame: tlsFrame }

/** service slug → declared TCP port → contract. */
const CONTRACTS: Readonly<Record<string, Readonly<Record<number, PortContract>>>> = {
  http: { 80: HTTP, 443: HTTPS },
  https: { 443: HTTPS },
  ssh: { 22: { probe: sshProbe, frame: sshFrame } },
  smb: { 445: { probe: smbProbe, frame: smbFrame }, 139: { probe: smbProbe, frame: smbFrame } },
  rdp: { 3389: { probe: rdpProbe, frame: rdpFrame } },
  pop3: { 110: { probe: pop3Probe, frame: pop3Frame }, 995: { probe: pop3sProbe, frame: tlsFrame } },
  ftp: { 21: { probe: ftpProbe, frame: ftpFrame } },
  telnet: { 23: { probe: telnetProbe, frame: telnetFrame } },
  smtp: { 25: { probe: smtpProbe, frame: smtpFrame }, 587: { probe: smtpProbe, frame: smtpFrame } },
  smtp_relay: { 25: { probe: smtpProbe, frame: smtpFrame }, 587: { probe: smtpProbe, frame: smtpFrame } },
  imap: { 143: { probe: imapProbe, frame: imapFrame }, 993: { probe: imapsProbe, frame: tlsFrame } },
}

// ---------------------------------------------------------------- client-side tools

interface HitResult {
  closedByServer: boolean
  bytesBack: number
}

/** One fresh connection: send `payload`, wait for the server to close (or garbageWaitMs), hang up. */
function hit(port: number, payload: Buffer): Promise<HitResult> {
  return new Promise((resolve) => {
    const sock = connect({ host: HOST, port, localAddress: CLIENT })
    let bytesBack = 0
    let timer: NodeJS.Timeout | undefined
    let done = false
    const finish = (closedByServer: boolean) => {
      if (done) return
      done = true
      clearTimeout(timer)
      sock.destroy()
      resolve({ closedByServer, bytesBack })
    }
    sock.on('connect', () => {
      timer = setTimeout(() => finish(false), LIMITS.garbageWaitMs)
      sock.write(payload)
    })
    sock.on('data', (d: Buffer) => (bytesBack += d.length))
    sock.on('error', () => {}) // a reset is a close; 'close' follows
    sock.on('close', () => finish(true))
  })
}

async function pool<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker))
  return out
}

/** xorshift32: fast, deterministic, uniform enough for noise. */
function xorshift(seed: number): () => number {
  let x = seed | 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return x >>> 0
  }
}

function randomBytes(n: number, seed: number): Buffer {
  const next = xorshift(seed)
  const out = Buffer.alloc(n)
  for (let i = 0; i < n; i++) out[i] = next() & 0xff
  return out
}

/**
 * Deterministic attacker payloads, lengths uniform in 1..maxGarbageBytes. (Not
 * fast-check's sampler: its size bias keeps arrays under ~12 bytes, too short
 * to hold a line end or a whole header.)
 */
function randomPayloads(count: number, seed: number): Buffer[] {
  const next = xorshift(seed)
  return Array.from({ length: count }, (_, i) => randomBytes(1 + (next() % LIMITS.maxGarbageBytes), seed * 131 + i))
}

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: HOST, port, localAddress: CLIENT })
    sock.once('connect', () => {
      sock.off('error', reject)
      sock.on('error', () => {})
      resolve(sock)
    })
    sock.once('error', reject)
  })
}

/** Resolves true when `sock` closes within `ms`, false otherwise. */
function closedWithin(sock: Socket, ms: number): Promise<boolean> {
  if (sock.destroyed && sock.closed) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      sock.off('close', onClose)
      resolve(false)
    }, ms)
    const onClose = () => {
      clearTimeout(timer)
      resolve(true)
    }
    sock.once('close', onClose)
  })
}

/**
 * closed: the server hung up. stalled: it stopped reading (no 'drain', or its
 * disconnect event counts fewer bytes_in than we wrote: the rest sat in kernel
 * buffers). absorbed: it read everything and kept the connection open.
 */
type FloodOutcome = 'closed' | 'stalled' | 'absorbed'

interface FloodResult {
  outcome: FloodOutcome
  written: number
  ms: number
  /** Our local port: the src_port of the server's events for this connection. */
  srcPort: string
}

/** Write `head` then random bytes up to floodBytes on one connection, honouring backpressure. */
async function flood(port: number, head: Buffer, seed: number): Promise<FloodResult> {
  const started = Date.now()
  const sock = await openSocket(port)
  const srcPort = String(sock.localPort)
  sock.on('data', () => {})
  let closed = false
  sock.once('close', () => (closed = true))
  const noise = randomBytes(LIMITS.floodBytes, seed)
  const data = Buffer.concat([head, noise]).subarray(0, LIMITS.floodBytes)
  let written = 0
  let outcome: FloodOutcome | undefined
  try {
    while (written < data.length && !closed) {
      const chunk = data.subarray(written, written + LIMITS.floodChunkBytes)
      written += chunk.length
      if (sock.write(chunk)) continue
      const drained = await new Promise<'drain' | 'close' | 'stall'>((resolve) => {
        const timer = setTimeout(() => resolve('stall'), LIMITS.floodStallMs)
        const onDrain = () => settle('drain')
        const onClose = () => settle('close')
        const settle = (r: 'drain' | 'close') => {
          clearTimeout(timer)
          sock.off('drain', onDrain)
          sock.off('close', onClose)
          resolve(r)
        }
        sock.once('drain', onDrain)
        sock.once('close', onClose)
      })
      if (drained === 'stall') {
        outcome = 'stalled'
        break
      }
    }
    if (!outcome) outcome = closed || (await closedWithin(sock, LIMITS.floodCloseMs)) ? 'closed' : 'absorbed'
  } finally {
    sock.destroy()
  }
  return { outcome, written, ms: Date.now() - started, srcPort }
}

// ---------------------------------------------------------------- process-level watch

/**
 * The event-loop watchdog: a 5 ms timer measures how late it fires while an
 * abuse case runs. Every decky shares this loop, so a stall here is a stall
 * of the whole fleet; no case may stall it longer than LIMITS.maxStallMs.
 */
async function withoutStalls(t: TestContext, what: string, body: () => Promise<void>): Promise<void> {
  const TICK = 5
  let last = performance.now()
  let worst = 0
  const timer = setInterval(() => {
    const now = performance.now()
    worst = Math.max(worst, now - last - TICK)
    last = now
  }, TICK)
  try {
    await body()
  } finally {
    clearInterval(timer)
  }
  t.diagnostic(`${what}: longest event-loop stall ${worst.toFixed(0)} ms`)
  assert.ok(worst < LIMITS.maxStallMs, `${what}: the event loop stalled for ${worst.toFixed(0)} ms (limit ${LIMITS.maxStallMs} ms)`)
}

const escaped: string[] = []
const onUncaught = (e: unknown) => escaped.push(`uncaughtException: ${(e as Error)?.stack ?? String(e)}`)
const onUnhandled = (e: unknown) => escaped.push(`unhandledRejection: ${(e as Error)?.stack ?? String(e)}`)
process.on('uncaughtException', onUncaught)
process.on('unhandledRejection', onUnhandled)
after(() => {
  process.off('uncaughtException', onUncaught)
  process.off('unhandledRejection', onUnhandled)
})

function assertNothingEscaped(where: string, sinceIndex: number): void {
  const mine = escaped.slice(sinceIndex)
  assert.deepEqual(mine, [], `${where}: errors escaped to the process`)
}

function assertNoServiceErrors(events: DecnetEvent[], where: string): void {
  const errors = events.filter((e) => e.type === 'service_error').map((e) => e.fields.error ?? '?')
  assert.deepEqual(errors, [], `${where}: exceptions were thrown past the session (caught by the runtime as service_error)`)
}

/** Any event with a peer names it completely; connect/disconnect always have one. */
function assertPeerFields(events: DecnetEvent[], where: string): void {
  const bad: string[] = []
  for (const e of events) {
    const f = e.fields
    const hasIp = f.src_ip !== undefined
    const hasPort = f.src_port !== undefined
    if (hasIp !== hasPort) bad.push(`${e.type}: src_ip=${f.src_ip} src_port=${f.src_port}`)
    if ((e.type === 'connect' || e.type === 'disconnect' || e.type === 'connection_refused') && !(hasIp && hasPort)) bad.push(`${e.type} without a peer`)
    if (hasIp && f.src_ip !== CLIENT) bad.push(`${e.type}: src_ip ${f.src_ip}, expected ${CLIENT}`)
    if (hasPort && !/^\d{1,5}$/.test(f.src_port ?? '')) bad.push(`${e.type}: src_port ${f.src_port} is not a port`)
  }
  assert.deepEqual(bad, [], `${where}: peer fields`)
}

function summary(events: DecnetEvent[]): string {
  const counts = new Map<string, number>()
  for (const e of events) counts.set(e.type, (counts.get(e.type) ?? 0) + 1)
  return [...counts].sort().map(([k, v]) => `${k}=${v}`).join(' ')
}

// ---------------------------------------------------------------- the contract

async function runContract(t: TestContext, slug: string, ports: readonly number[]): Promise<void> {
  const table = CONTRACTS[slug]
  const missing = ports.filter((p) => !table?.[p])
  assert.deepEqual(missing, [], `no liveness probe for '${slug}' port(s) ${missing.join(', ')}: add them to CONTRACTS in test/hostile-input.test.ts`)
  const contract = (p: number) => table?.[p] as PortContract
  const escapedBefore = escaped.length
  const sinks: DecnetEvent[][] = []
  const seedBase = [...slug].reduce((a, c) => (a * 31 + c.charCodeAt(0)) >>> 0, 7)

  const main = await startEmulator(t, slug)
  sinks.push(main.sink.events)

  await t.test('garbage on fresh connections ends in a close or silence', async (tt) => withoutStalls(tt, `${slug} garbage`, async () => {
    for (const port of ports) {
      const real = main.port(port)
      const raw = randomPayloads(LIMITS.garbagePayloads, seedBase + port)
      const framed = randomPayloads(LIMITS.framedPayloads, seedBase + port + 1).map((r) => contract(port).frame(r))
      const started = Date.now()
      const results = await pool([...raw, ...framed], LIMITS.garbageConcurrency, (p) => hit(real, p))
      const closed = results.filter((r) => r.closedByServer).length
      const answered = results.filter((r) => r.bytesBack > 0).length
      t.diagnostic(`${slug}/${port}: ${results.length} payloads in ${Date.now() - started} ms: ${closed} closed by the server, ${answered} answered, ${results.length - closed} left open`)
      assert.equal(results.length, raw.length + framed.length)
    }
    assertNoServiceErrors(main.sink.events, `${slug} garbage`)
    assertNothingEscaped(`${slug} garbage`, escapedBefore)
  }))

  await t.test('a 2 MiB flood on one connection is cut off and memory stays flat', async (tt) => withoutStalls(tt, `${slug} flood`, async () => {
    for (const port of ports) {
      for (const [kind, head] of [['random', Buffer.alloc(0)], ['framed', contract(port).frame(randomBytes(64, seedBase))]] as const) {
        const rss0 = process.memoryUsage().rss
        const r = await flood(main.port(port), head, seedBase + port + (kind === 'random' ? 2 : 3))
        if (r.outcome === 'absorbed') {
          // we hung up; did the server actually read it all, or was the rest in kernel buffers?
          const bye = await main.sink.next('disconnect', (e) => e.fields.src_port === r.srcPort, LIMITS.slackMs).catch(() => undefined)
          if (bye && Number(bye.fields.bytes_in) < r.written) r.outcome = 'stalled'
        }
        const growth = process.memoryUsage().rss - rss0
        t.diagnostic(`${slug}/${port} ${kind} flood: ${r.outcome} after ${(r.written / MiB).toFixed(2)} MiB written, ${r.ms} ms, rss ${growth >= 0 ? '+' : ''}${(growth / MiB).toFixed(1)} MiB`)
        assert.notEqual(r.outcome, 'absorbed', `${slug}/${port} ${kind} flood: the server read ${r.written} bytes and kept the connection open ${LIMITS.floodCloseMs} ms later`)
        assert.ok(growth < LIMITS.maxRssGrowthBytes, `${slug}/${port} ${kind} flood: rss grew ${(growth / MiB).toFixed(1)} MiB`)
      }
    }
    assertNoServiceErrors(main.sink.events, `${slug} flood`)
    assertNothingEscaped(`${slug} flood`, escapedBefore)
  }))

  await t.test('still answers a well-formed first exchange after the abuse', async () => {
    for (const port of ports) t.diagnostic(`${slug}/${port} probe: ${await contract(port).probe(main.port(port))}`)
  })

  const idle = await startEmulator(t, slug, {}, { limits: { idleTimeoutMs: LIMITS.idleTimeoutMs, maxSessionMs: LIMITS.maxSessionMs } })
  sinks.push(idle.sink.events)

  await t.test(`an idle connection is closed after idleTimeoutMs=${LIMITS.idleTimeoutMs}; a slow drip after maxSessionMs=${LIMITS.maxSessionMs}`, async () => {
    await Promise.all(ports.map(async (port) => {
      const real = idle.port(port)
      const quiet = await openSocket(real)
      quiet.on('data', () => {})
      const drip = await openSocket(real)
      drip.on('data', () => {})
      // (localPort is gone once a socket is destroyed)
      const [quietPort, dripPort] = [String(quiet.localPort), String(drip.localPort)]
      const started = Date.now()
      const bytes = contract(port).frame(Buffer.alloc(LIMITS.maxGarbageBytes, 0x61))
      let i = 0
      const timer = setInterval(() => {
        if (!drip.destroyed && i < bytes.length) drip.write(bytes.subarray(i, ++i))
      }, LIMITS.dripEveryMs)
      try {
        const [quietClosed, dripClosed] = await Promise.all([
          closedWithin(quiet, LIMITS.idleTimeoutMs + LIMITS.idleSlackMs).then((c) => [c, Date.now() - started] as const),
          closedWithin(drip, LIMITS.maxSessionMs + LIMITS.slackMs).then((c) => [c, Date.now() - started] as const),
        ])
        const reasonOf = async (localPort: string) =>
          (await idle.sink.next('disconnect', (e) => e.fields.src_port === localPort, 1000).catch(() => undefined))?.fields.reason ?? 'none'
        const [quietReason, dripReason] = [await reasonOf(quietPort), await reasonOf(dripPort)]
        t.diagnostic(`${slug}/${port}: idle closed=${quietClosed[0]} after ${quietClosed[1]} ms (${quietReason}); drip closed=${dripClosed[0]} after ${dripClosed[1]} ms, ${i} bytes (${dripReason})`)
        assert.ok(quietClosed[0], `${slug}/${port}: idle connection still open ${quietClosed[1]} ms after connect`)
        assert.ok(dripClosed[0], `${slug}/${port}: slow-drip connection still open ${dripClosed[1]} ms after connect`)
        assert.notEqual(quietReason, 'none', `${slug}/${port}: no disconnect event for the idle connection`)
        assert.notEqual(dripReason, 'none', `${slug}/${port}: no disconnect event for the slow-drip connection`)
      } finally {
        clearInterval(timer)
        quiet.destroy()
        drip.destroy()
      }
    }))
    for (const port of ports) await contract(port).probe(idle.port(port))
  })

  const capped = await startEmulator(t, slug, {}, { limits: { maxConnectionsPerIp: LIMITS.perIpCap } })
  sinks.push(capped.sink.events)

  await t.test(`maxConnectionsPerIp=${LIMITS.perIpCap}: the next connection is refused with an event, and a freed slot is reusable`, async () => {
    for (const port of ports) {
      const real = capped.port(port)
      const held: Socket[] = []
      try {
        for (let i = 0; i < LIMITS.perIpCap; i++) {
          const s = await openSocket(real)
          s.on('data', () => {})
          held.push(s)
          await capped.sink.next('connect', (e) => e.fields.src_port === String(s.localPort))
        }
        const extra = await openSocket(real)
        let extraBytes = 0
        extra.on('data', (d: Buffer) => (extraBytes += d.length))
        const refused = await capped.sink.next('connection_refused', (e) => e.fields.src_port === String(extra.localPort))
        assert.equal(refused.fields.reason, 'max_connections_per_ip')
        assert.equal(refused.fields.src_ip, CLIENT)
        assert.ok(await closedWithin(extra, LIMITS.slackMs), `${slug}/${port}: the refused connection was not closed`)
        assert.equal(extraBytes, 0, `${slug}/${port}: the refused connection got ${extraBytes} bytes`)
        assert.equal(capped.sink.events.filter((e) => e.type === 'connect' && e.fields.src_port === String(extra.localPort)).length, 0)
        // free a slot: the probe must get through
        const first = held.shift() as Socket
        const freedPort = String(first.localPort)
        first.destroy()
        await capped.sink.next('disconnect', (e) => e.fields.src_port === freedPort)
        t.diagnostic(`${slug}/${port}: refused ${refused.fields.src_port} (${refused.fields.reason}); after a slot freed, probe: ${await contract(port).probe(real)}`)
      } finally {
        for (const s of held) s.destroy()
      }
      // let the held connections' disconnects land before the next port
      await new Promise((r) => setTimeout(r, 50))
    }
  })

  const deadline = await startEmulator(t, slug, {}, { limits: { maxHandshakeMs: LIMITS.handshakeMs } })
  sinks.push(deadline.sink.events)

  await t.test(`a slow drip that never logs in is closed by the login deadline (maxHandshakeMs=${LIMITS.handshakeMs}), long before the session limit`, async () => {
    await Promise.all(ports.map(async (port) => {
      const drip = await openSocket(deadline.port(port))
      drip.on('data', () => {})
      const dripPort = String(drip.localPort)
      const bytes = contract(port).frame(Buffer.alloc(LIMITS.maxGarbageBytes, 0x61))
      let i = 0
      const timer = setInterval(() => {
        if (!drip.destroyed && i < bytes.length) drip.write(bytes.subarray(i, ++i))
      }, LIMITS.dripEveryMs)
      const started = Date.now()
      try {
        const closed = await closedWithin(drip, LIMITS.handshakeMs + LIMITS.slackMs)
        const ms = Date.now() - started
        const bye = await deadline.sink.next('disconnect', (e) => e.fields.src_port === dripPort, 1000).catch(() => undefined)
        t.diagnostic(`${slug}/${port}: drip closed=${closed} after ${ms} ms (${bye?.fields.reason ?? 'no event'})`)
        assert.ok(closed, `${slug}/${port}: a drip that never logged in was still open ${ms} ms after connect`)
        // closed by the deadline, or earlier by the protocol itself — never left to the idle or session timers
        assert.ok(bye && !['idle_timeout', 'session_timeout'].includes(bye.fields.reason ?? ''), `${slug}/${port}: closed by ${bye?.fields.reason ?? 'nothing'}`)
      } finally {
        clearInterval(timer)
        drip.destroy()
      }
    }))
  })

  // a separate instance: its hog connects from another address than CLIENT, which the peer-field check below would flag
  const full = await startEmulator(t, slug, {}, { limits: { maxConnections: LIMITS.fullCap, maxConnectionsPerIp: LIMITS.fullCap } })

  await t.test(`a full service (maxConnections=${LIMITS.fullCap}) held by one source still admits a newcomer: the hog's oldest idle pre-auth connection is dropped`, async () => {
    for (const port of ports) {
      const real = full.port(port)
      const held: Socket[] = []
      try {
        for (let i = 0; i < LIMITS.fullCap; i++) {
          const s = await new Promise<Socket>((resolve, reject) => {
            const c = connect({ host: HOST, port: real, localAddress: HOG }, () => resolve(c))
            c.once('error', reject)
          })
          s.on('error', () => {})
          s.on('data', () => {})
          // a protocol start, then nothing: pre-auth and idle, like a keepalive-holding attacker
          s.write(contract(port).frame(Buffer.alloc(0)).subarray(0, 4))
          held.push(s)
          await full.sink.next('connect', (e) => e.fields.src_port === String(s.localPort))
        }
        const before = full.sink.ofType('connection_evicted').length
        t.diagnostic(`${slug}/${port}: ${LIMITS.fullCap} connections from ${HOG} hold the service; newcomer probe: ${await contract(port).probe(real)}`)
        const evicted = full.sink.ofType('connection_evicted').slice(before)
        assert.equal(evicted.length, 1, `${slug}/${port}: expected one eviction for the newcomer, got ${evicted.length}`)
        assert.equal(evicted[0]?.fields.src_ip, HOG)
        assert.equal(full.sink.ofType('connection_refused').filter((e) => e.fields.src_ip === CLIENT).length, 0, `${slug}/${port}: the newcomer was refused`)
      } finally {
        for (const s of held) s.destroy()
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  })

  await t.test('every peer event carries src_ip and src_port; every connect has one disconnect; nothing escaped', async () => {
    // per instance and src_port (a client port may be reused): as many disconnects as connects
    const unbalanced = () => {
      const bad: string[] = []
      sinks.forEach((events, i) => {
        const balance = new Map<string, number>()
        for (const e of events) {
          const d = e.type === 'connect' ? 1 : e.type === 'disconnect' ? -1 : 0
          if (d !== 0) balance.set(e.fields.src_port ?? '?', (balance.get(e.fields.src_port ?? '?') ?? 0) + d)
        }
        for (const [port, n] of balance) if (n !== 0) bad.push(`instance ${i} src_port ${port}: ${n > 0 ? `${n} connect(s) without disconnect` : `${-n} extra disconnect(s)`}`)
      })
      return bad
    }
    // the last sockets' disconnects may still be in flight
    for (let waited = 0; unbalanced().length > 0 && waited < LIMITS.slackMs; waited += 50) await new Promise((r) => setTimeout(r, 50))
    assert.deepEqual(unbalanced(), [], `${slug}: connect/disconnect pairs`)
    const all = sinks.flat()
    t.diagnostic(`${slug} events: ${summary(all)}`)
    assert.ok(all.some((e) => e.type === 'connect'), 'no connect events at all')
    assertPeerFields(all, slug)
    assertNoServiceErrors(all, slug)
    assertNothingEscaped(slug, escapedBefore)
  })
}

// ---------------------------------------------------------------- UDP

/** Clients of UDP ports send from here, so a server that logs its own address is caught. */
const CLIENT_UDP = '127.0.0.3'

const UDP_LIMITS = Object.freeze({
  garbageDatagrams: 70,
  floodDatagrams: 5000,
  oversizedBytes: 60_000,
  /** maxFrameBytes of the instance that gets the oversized datagram. */
  maxDatagramBytes: 4096,
  idleTimeoutMs: 400,
  perIpCap: 3,
  maxRssGrowthBytes: 64 * MiB,
})

interface UdpContract {
  /** A well-formed request from a fresh source; resolves with a short description of the answer, throws if wrong. */
  probe(port: number): Promise<string>
}

async function udpSocket(from = CLIENT_UDP): Promise<UdpSocket & { replyBytes: number }> {
  const s = Object.assign(createSocket('udp4'), { replyBytes: 0 })
  s.on('message', (m: Buffer) => (s.replyBytes += m.length))
  s.on('error', () => {})
  await new Promise<void>((r) => s.bind(0, from, () => r()))
  return s
}

function sendTo(s: UdpSocket, port: number, data: Buffer): Promise<void> {
  return new Promise((resolve) => s.send(data, port, HOST, () => resolve()))
}

/** Probes come from an address of their own: the abuse from CLIENT_UDP may hold every flow slot of that address. */
const PROBE_UDP = '127.0.0.4'

/** Send one datagram from a fresh socket; the first reply, or a rejection after probeTimeoutMs. */
async function udpExchange(port: number, data: Buffer): Promise<Buffer> {
  const s = await udpSocket(PROBE_UDP)
  try {
    const reply = new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no UDP answer on port ${port} within ${LIMITS.probeTimeoutMs} ms`)), LIMITS.probeTimeoutMs)
      s.once('message', (m: Buffer) => {
        clearTimeout(timer)
        resolve(m)
      })
    })
    await sendTo(s, port, data)
    return await reply
  } finally {
    s.close()
  }
}

async function amplifierProbe(port: number): Promise<string> {
  const hello = Buffer.from('probe')
  const back = await udpExchange(port, hello)
  assert.ok(back.equals(hello), `amplifier probe: answer ${text(back)} is not the datagram sent`)
  return 'echo'
}

async function tftpProbe(port: number): Promise<string> {
  const back = await udpExchange(port, Buffer.from('\0\x01startup-config\0octet\0', 'latin1'))
  assert.equal(back.readUInt16BE(0), 3, `tftp probe: opcode ${back.readUInt16BE(0)}, expected DATA (3)`)
  assert.equal(back.readUInt16BE(2), 1, 'tftp probe: not block 1')
  return `DATA block 1, ${back.length - 4} bytes`
}

/** service slug → declared UDP port → contract. */
const UDP_CONTRACTS: Readonly<Record<string, Readonly<Record<number, UdpContract>>>> = {
  kit_udp_amplifier: { 7: { probe: amplifierProbe } },
  tftp: { 69: { probe: tftpProbe } },
}

async function runUdpContract(t: TestContext, slug: string, ports: readonly number[]): Promise<void> {
  const table = UDP_CONTRACTS[slug]
  const missing = ports.filter((p) => !table?.[p])
  assert.deepEqual(missing, [], `no UDP probe for '${slug}' port(s) ${missing.join(', ')}: add them to UDP_CONTRACTS in test/hostile-input.test.ts`)
  const contract = (p: number) => table?.[p] as UdpContract
  const escapedBefore = escaped.length
  const seedBase = [...slug].reduce((a, c) => (a * 31 + c.charCodeAt(0)) >>> 0, 11)
  const budget = DEFAULT_LIMITS.udpReplyBytesPerSecond
  const main = await startEmulator(t, slug, {}, { limits: { maxConnectionsPerIp: UDP_LIMITS.perIpCap, idleTimeoutMs: UDP_LIMITS.idleTimeoutMs, maxFrameBytes: UDP_LIMITS.maxDatagramBytes } })

  await t.test('garbage, an oversized datagram and a flood from one source: replies stay within the byte budget, memory flat, one rate_limited event', async (tt) => withoutStalls(tt, `${slug} udp abuse`, async () => {
    for (const port of ports) {
      const real = main.port(port)
      const s = await udpSocket()
      const rss0 = process.memoryUsage().rss
      const started = Date.now()
      try {
        for (const p of randomPayloads(UDP_LIMITS.garbageDatagrams, seedBase + port)) await sendTo(s, real, p)
        await sendTo(s, real, randomBytes(UDP_LIMITS.oversizedBytes, seedBase))
        const noise = randomBytes(512, seedBase + 1)
        for (let i = 0; i < UDP_LIMITS.floodDatagrams; i++) {
          await sendTo(s, real, noise)
          // the attacker is another process: our own send loop must not starve the watchdog's timer
          if (i % 100 === 99) await new Promise((r) => setImmediate(r))
        }
        await new Promise((r) => setTimeout(r, 200))
        const secs = (Date.now() - started) / 1000
        const growth = process.memoryUsage().rss - rss0
        const limited = main.sink.ofType('rate_limited').filter((e) => e.fields.src_port === String(s.address().port))
        t.diagnostic(`${slug}/${port}/udp: ${UDP_LIMITS.garbageDatagrams + 1 + UDP_LIMITS.floodDatagrams} datagrams in ${secs.toFixed(2)} s, ${s.replyBytes} bytes back, ${limited.length} rate_limited, rss ${(growth / MiB).toFixed(1)} MiB`)
        assert.ok(s.replyBytes <= budget * (secs + 1), `${slug}/${port}/udp: ${s.replyBytes} bytes back in ${secs.toFixed(2)} s, over the ${budget} bytes/s budget`)
        assert.equal(limited.length, 1, `${slug}/${port}/udp: expected one rate_limited event for the flood, got ${limited.length}`)
        assert.ok(growth < UDP_LIMITS.maxRssGrowthBytes, `${slug}/${port}/udp: rss grew ${(growth / MiB).toFixed(1)} MiB`)
      } finally {
        s.close()
      }
    }
    assertNoServiceErrors(main.sink.events, `${slug} udp garbage`)
    assertNothingEscaped(`${slug} udp garbage`, escapedBefore)
  }))

  await t.test(`maxConnectionsPerIp=${UDP_LIMITS.perIpCap}: more source ports are refused with one event; another address is still answered`, async () => {
    for (const port of ports) {
      const real = main.port(port)
      const before = main.sink.ofType('connection_refused').length
      const socks = await Promise.all(Array.from({ length: UDP_LIMITS.perIpCap + 3 }, () => udpSocket()))
      try {
        // the flood's flow may still be open: wait for it to expire first
        await new Promise((r) => setTimeout(r, UDP_LIMITS.idleTimeoutMs + 1200))
        for (const s of socks) await sendTo(s, real, Buffer.from('x'))
        await new Promise((r) => setTimeout(r, 100))
        const refused = main.sink.ofType('connection_refused').slice(before)
        assert.equal(refused.length, 1, `${slug}/${port}/udp: ${refused.length} connection_refused events for 3 refused sources (one per report interval expected)`)
        assert.deepEqual([refused[0]?.fields.reason, refused[0]?.fields.src_ip, refused[0]?.fields.transport], ['max_connections_per_ip', CLIENT_UDP, 'udp'])
        const answered = socks.filter((s) => s.replyBytes > 0).length
        assert.equal(answered <= UDP_LIMITS.perIpCap, true, `${slug}/${port}/udp: ${answered} sources answered, cap ${UDP_LIMITS.perIpCap}`)
      } finally {
        for (const s of socks) s.close()
      }
      t.diagnostic(`${slug}/${port}/udp probe after the abuse: ${await contract(port).probe(real)}`)
    }
  })

  await t.test('idle flows end with a disconnect; every peer event names the client; nothing escaped', async () => {
    await new Promise((r) => setTimeout(r, UDP_LIMITS.idleTimeoutMs + 1500))
    const events = main.sink.events
    const open = new Map<string, number>()
    for (const e of events) {
      if (e.fields.transport !== 'udp') continue
      const d = e.type === 'connect' ? 1 : e.type === 'disconnect' ? -1 : 0
      if (d) open.set(e.fields.session ?? '?', (open.get(e.fields.session ?? '?') ?? 0) + d)
    }
    assert.deepEqual([...open].filter(([, n]) => n !== 0), [], `${slug}: udp flows without exactly one disconnect`)
    assert.ok(events.some((e) => e.type === 'connect' && e.fields.transport === 'udp'), 'no udp connect events')
    const bad = events.filter((e) => e.fields.src_ip !== undefined && ![CLIENT_UDP, PROBE_UDP].includes(e.fields.src_ip ?? '')).map((e) => `${e.type}: ${e.fields.src_ip}`)
    assert.deepEqual(bad, [], `${slug}: events name an address that sent nothing`)
    assert.ok(events.filter((e) => e.fields.transport === 'udp' && e.type === 'connect').every((e) => [CLIENT_UDP, PROBE_UDP].includes(e.fields.src_ip ?? '') && /^\d+$/.test(e.fields.src_port ?? '')), `${slug}: udp connect events must carry the client address and port`)
    assertNoServiceErrors(events, slug)
    assertNothingEscaped(`${slug} udp`, escapedBefore)
  })
}

// ---------------------------------------------------------------- discovery

await loadServices()
registerCustomService(new UdpAmplifierService())
const emulated: { slug: string; ports: readonly number[]; udpPorts: readonly number[] }[] = []
for (const svc of allServices().values()) {
  const factory = svc.emulator()
  if (!factory) continue
  await factory
  emulated.push({ slug: svc.name, ports: svc.ports, udpPorts: svc.udpPorts(svc.resolveConfig({})) })
}
emulated.sort((a, b) => a.slug.localeCompare(b.slug))

test('hostile input: the registry has emulators to check', () => {
  assert.ok(emulated.length > 0, 'no plugin with an emulator() was found')
})

test('hostile input: the UDP contract runs (the kit fixture at least)', () => {
  assert.ok(emulated.some((e) => e.udpPorts.length > 0), 'no plugin with UDP ports: the UDP contract would check nothing')
})

for (const { slug, ports, udpPorts } of emulated) {
  if (ports.length > 0) {
    test(`${slug}: hostile-input contract on TCP ${ports.join(', ')}`, { timeout: LIMITS.serviceTimeoutMs }, async (t) => {
      const started = Date.now()
      await runContract(t, slug, ports)
      t.diagnostic(`${slug}: contract run in ${Date.now() - started} ms`)
    })
  }
  if (udpPorts.length > 0) {
    test(`${slug}: hostile-input contract on UDP ${udpPorts.join(', ')}`, { timeout: LIMITS.serviceTimeoutMs }, async (t) => {
      await runUdpContract(t, slug, udpPorts)
    })
  }
}
