// tftp emulator: tftpd-hpa as a network closet runs it. RRQ of seeded router
// configs (bait.ts) with RFC 2347 option negotiation (blksize, timeout,
// tsize), WRQ uploads quarantined with caps, tftpd-hpa's error packets.
//
// Transfer IDs: a real server answers from a fresh port per transfer (the
// server TID). The kit's UDP flows only reply from the listening port, so
// every transfer runs on port 69; a client takes the port of the first
// answer as the server's TID, so tftp-hpa, curl, busybox and atftp complete
// the transfer (docs/ftp.md). Every reply goes through the flow's reply
// budget (d.reply false = dropped, retried by the retransmission timer).
import type { Datagram, EmulatorFactory } from '../../runtime/context.js'
import { processMemoryBudget, type MemoryLease } from '../../runtime/memory-budget.js'
import { buildBait, type TftpBait } from './bait.js'
import { ERR, OP, ackPacket, dataPacket, errorPacket, fromNetascii, oackPacket, parseRequest, toNetascii, type Request, type TftpError } from './packets.js'

export const TFTP_PORT = 69

export const TFTP_LIMITS = Object.freeze({
  /** RFC 2348 range; tftpd-hpa's MAX_SEGSIZE. */
  minBlksize: 8,
  maxBlksize: 65464,
  defaultTimeoutMs: 1000,
  /** Transfers open at once per service (beyond: ERROR 0). */
  maxTransfers: 128,
  /** protocol_error events per source address and minute. */
  errorEventsPerFlow: 8,
})

interface Transfer {
  key: string
  op: 'RRQ' | 'WRQ'
  filename: string
  mode: string
  blksize: number
  timeoutMs: number
  /** The latest datagram of the flow: its reply() sends from the listening port. */
  d: Datagram
  timer: NodeJS.Timeout | undefined
  /** A paced send waiting for its slot. */
  pace: NodeJS.Timeout | undefined
  /** Earliest time of the next paced send. */
  nextAt: number
  retries: number
  /** Last packet sent, for retransmission. */
  last: Buffer
  /** RRQ: the block last sent (0 = OACK); WRQ: the block last acknowledged. */
  block: number
  started: number
  // RRQ
  data?: Buffer
  // WRQ
  parts?: Buffer[]
  kept?: number
  bytes?: number
  truncated?: boolean
  lease?: MemoryLease
  tsize?: number
}

const safeName = (f: string) => f.replace(/^\/+/, '')

export const create: EmulatorFactory = (ctx) => {
  const transfers = new Map<string, Transfer>()
  const errorEvents = new Map<string, { n: number; since: number }>()
  let bait: TftpBait | undefined
  const maxRetries = typeof ctx.config.max_retries === 'number' ? Math.max(0, Math.min(20, ctx.config.max_retries)) : 5
  const upload = ctx.config.upload !== false

  // The runtime drops a flow's datagrams beyond limits.udpDatagramsPerSecond.
  // TFTP is lock-step (the client sends its next packet when it gets ours), so
  // pacing our DATA/ACKs keeps a fast client under that rate instead of
  // losing every other block to the limiter and waiting out its timeout.
  const gapMs = Math.ceil(1000 / Math.max(1, ctx.limits.udpDatagramsPerSecond * 0.8))

  const end = (t: Transfer, reason: string) => {
    clearTimeout(t.timer)
    clearTimeout(t.pace)
    t.lease?.close()
    if (transfers.get(t.key) === t) transfers.delete(t.key)
    if (t.op === 'RRQ') {
      t.d.emit('tftp_transfer', {
        op: t.op, filename: t.filename, mode: t.mode, blksize: t.blksize, blocks: t.block, bytes: t.data?.length ?? 0,
        complete: reason === 'complete', reason, duration_ms: Date.now() - t.started,
      })
    }
  }

  const send = (t: Transfer, pkt: Buffer) => {
    t.last = pkt
    t.retries = 0
    clearTimeout(t.timer)
    const go = () => {
      t.nextAt = Date.now() + gapMs
      t.d.reply(pkt)
      arm(t)
    }
    const wait = t.nextAt - Date.now()
    if (wait <= 0) return go()
    clearTimeout(t.pace)
    t.pace = setTimeout(() => {
      if (transfers.get(t.key) === t) go()
    }, wait)
    t.pace.unref()
  }

  const arm = (t: Transfer) => {
    clearTimeout(t.timer)
    t.timer = setTimeout(() => {
      if (transfers.get(t.key) !== t) return
      if (t.retries >= maxRetries) return void finishUpload(t, 'timeout')
      t.retries++
      t.d.reply(t.last)
      arm(t)
    }, t.timeoutMs)
    t.timer.unref()
  }

  const protoError = (d: Datagram, error: string) => {
    const now = Date.now()
    const k = d.peer.ip
    const e = errorEvents.get(k)
    if (!e || now - e.since > 60_000) {
      if (errorEvents.size > 1024) errorEvents.delete(errorEvents.keys().next().value as string)
      errorEvents.set(k, { n: 1, since: now })
    } else if (++e.n > TFTP_LIMITS.errorEventsPerFlow) return
    d.emit('protocol_error', { error, opcode: d.data.length >= 2 ? d.data.readUInt16BE(0) : undefined, data: d.data.subarray(0, 32).toString('hex'), transport: 'udp' })
  }

  const nextBlock = (t: Transfer) => {
    const data = t.data ?? Buffer.alloc(0)
    const n = t.block + 1
    const chunk = data.subarray((n - 1) * t.blksize, n * t.blksize)
    t.block = n
    send(t, dataPacket(n, chunk))
  }

  /** RFC 2347: the options we accept, with the values we use; undefined = refuse (ERROR 8). */
  const negotiate = (r: Request, size: number | undefined): Map<string, string> | undefined => {
    const out = new Map<string, string>()
    for (const [k, v] of r.options) {
      const num = /^\d{1,10}$/.test(v) ? Number(v) : NaN
      if (k === 'blksize') {
        if (Number.isNaN(num)) return undefined
        if (num >= TFTP_LIMITS.minBlksize) out.set('blksize', String(Math.min(num, TFTP_LIMITS.maxBlksize)))
      } else if (k === 'timeout') {
        if (Number.isNaN(num)) return undefined
        if (num >= 1 && num <= 255) out.set('timeout', String(num))
      } else if (k === 'tsize') {
        if (Number.isNaN(num)) return undefined
        out.set('tsize', String(r.op === 'RRQ' ? (size ?? 0) : num))
      }
      // anything else (windowsize, multicast, rollover): not acknowledged, as tftpd-hpa
    }
    return out
  }

  const refuse = (d: Datagram, r: Request | undefined, err: TftpError, result: string) => {
    if (r) d.emit('tftp_request', { op: r.op, filename: r.filename, mode: r.mode, options: Object.fromEntries(r.options), result, transport: 'udp' })
    d.reply(errorPacket(err))
  }

  const onRequest = (d: Datagram, r: Request) => {
    const key = `${d.peer.ip}|${d.peer.port}`
    const old = transfers.get(key)
    if (old) {
      // the same request again (the client retransmitted before our answer arrived): answer it again
      if (old.op === r.op && old.filename === r.filename && old.block <= 1) {
        old.d = d
        old.d.reply(old.last)
        return
      }
      end(old, 'replaced')
    }
    if (r.mode !== 'octet' && r.mode !== 'netascii') return refuse(d, r, ERR.BADOP, 'bad_mode')
    const name = safeName(r.filename)
    if (name.split('/').includes('..') || name.length === 0) return refuse(d, r, ERR.ACCESS, 'access_violation')
    if (transfers.size >= TFTP_LIMITS.maxTransfers) return refuse(d, r, ERR.UNDEF, 'busy')
    bait ??= buildBait(ctx)
    const file = bait.files.get(name)
    if (r.op === 'RRQ' && !file) return refuse(d, r, ERR.NOTFOUND, 'not_found')
    if (r.op === 'WRQ' && !upload) return refuse(d, r, ERR.ACCESS, 'access_violation')
    const body = file && r.mode === 'netascii' ? toNetascii(file) : file
    const opts = negotiate(r, body?.length)
    if (!opts) return refuse(d, r, ERR.OPTNEG, 'option_refused')
    const tsize = opts.has('tsize') ? Number(opts.get('tsize')) : undefined
    if (r.op === 'WRQ' && tsize !== undefined && tsize > ctx.artifacts.maxFileBytes) return refuse(d, r, ERR.NOSPACE, 'too_large')
    d.emit('tftp_request', { op: r.op, filename: r.filename, mode: r.mode, options: Object.fromEntries(r.options), accepted: opts.size ? Object.fromEntries(opts) : undefined, result: 'ok', transport: 'udp' })
    const t: Transfer = {
      key, op: r.op, filename: r.filename, mode: r.mode, d,
      blksize: Number(opts.get('blksize') ?? 512),
      timeoutMs: opts.has('timeout') ? Number(opts.get('timeout')) * 1000 : TFTP_LIMITS.defaultTimeoutMs,
      timer: undefined, pace: undefined, nextAt: 0, retries: 0, last: Buffer.alloc(0), block: 0, started: Date.now(),
      ...(r.op === 'RRQ' ? { data: body } : { parts: [], kept: 0, bytes: 0, truncated: false, lease: processMemoryBudget().lease(ctx.artifacts.maxFileBytes), tsize }),
    }
    transfers.set(key, t)
    if (opts.size > 0) send(t, oackPacket(opts))
    else if (r.op === 'RRQ') nextBlock(t)
    else send(t, ackPacket(0))
  }

  const finishUpload = (t: Transfer, reason: string) => {
    if (t.op !== 'WRQ') return end(t, reason)
    end(t, reason)
    const raw = Buffer.concat(t.parts ?? [], t.kept ?? 0)
    const data = t.mode === 'netascii' ? fromNetascii(raw) : raw
    const name = safeName(t.filename).split('/').pop() || 'upload'
    void ctx.artifacts.save({
      name, data, truncated: t.truncated === true || reason !== 'complete', originalSize: t.bytes, peer: t.d.peer,
      fields: { via: 'tftp', transport: 'udp', tftp_filename: t.filename.slice(0, 512), mode: t.mode, blocks: t.block, complete: reason === 'complete', reason },
    }).catch((e: unknown) => ctx.log.warn(`tftp: artifact not saved: ${(e as Error).message}`))
  }

  const onData = (d: Datagram, t: Transfer) => {
    const n = d.data.readUInt16BE(2)
    const payload = d.data.subarray(4)
    const expected = (t.block + 1) & 0xffff
    if (n !== expected) {
      // a duplicate of the block we acknowledged last: acknowledge again (our ACK was lost)
      if (n === (t.block & 0xffff)) d.reply(ackPacket(n))
      return
    }
    t.block++
    t.bytes = (t.bytes ?? 0) + payload.length
    const cap = ctx.artifacts.maxFileBytes
    if (!t.truncated) {
      const take = Math.min(payload.length, cap - (t.kept ?? 0))
      if (take > 0 && !t.lease?.reserve(take)) t.truncated = true
      else {
        if (take > 0) {
          t.parts?.push(Buffer.from(payload.subarray(0, take)))
          t.kept = (t.kept ?? 0) + take
        }
        if (take < payload.length) t.truncated = true
      }
    }
    if (t.truncated) {
      // over the per-file cap: tftpd-hpa's disk-full answer ends the transfer
      d.reply(errorPacket(ERR.NOSPACE))
      return finishUpload(t, 'too_large')
    }
    if (payload.length < t.blksize) {
      t.last = ackPacket(n)
      d.reply(t.last)
      return finishUpload(t, 'complete')
    }
    send(t, ackPacket(n))
  }

  const onAck = (d: Datagram, t: Transfer) => {
    const n = d.data.readUInt16BE(2)
    if (n !== (t.block & 0xffff)) return // duplicate or stale ACK: never answered (Sorcerer's Apprentice)
    const data = t.data ?? Buffer.alloc(0)
    if (t.block > 0 && (t.block - 1) * t.blksize + t.blksize > data.length) return end(t, 'complete')
    nextBlock(t)
  }

  const onDatagram = (d: Datagram) => {
    if (d.data.length < 4) return // too short for any packet: ignored, as tftpd-hpa
    const op = d.data.readUInt16BE(0)
    const key = `${d.peer.ip}|${d.peer.port}`
    const t = transfers.get(key)
    if (op === OP.RRQ || op === OP.WRQ) {
      const r = parseRequest(d.data)
      if (r === 'malformed' || r === undefined) {
        protoError(d, 'malformed_request')
        return void d.reply(errorPacket(ERR.BADOP))
      }
      return onRequest(d, r)
    }
    if (!t) {
      if (op === OP.ERROR) return
      protoError(d, op === OP.DATA || op === OP.ACK ? 'unknown_transfer' : 'unknown_opcode')
      return void d.reply(errorPacket(op === OP.DATA || op === OP.ACK ? ERR.BADID : ERR.BADOP))
    }
    t.d = d
    if (op === OP.ERROR) {
      // the client gave up (or refused our OACK: code 8)
      d.emit('tftp_client_error', { code: d.data.readUInt16BE(2), message: d.data.subarray(4, 132).toString('latin1').replace(/\0.*$/s, ''), filename: t.filename, transport: 'udp' })
      return finishUpload(t, 'client_error')
    }
    if (t.op === 'RRQ' && op === OP.ACK) return onAck(d, t)
    if (t.op === 'WRQ' && op === OP.DATA) return onData(d, t)
    protoError(d, 'unexpected_opcode')
    d.reply(errorPacket(ERR.BADOP))
  }

  return {
    async start() {
      bait = buildBait(ctx)
      await ctx.listenUdp(TFTP_PORT, onDatagram, { maxDatagramBytes: TFTP_LIMITS.maxBlksize + 4 })
    },
    async stop() {
      for (const t of [...transfers.values()]) {
        clearTimeout(t.timer)
        clearTimeout(t.pace)
        t.lease?.close()
      }
      transfers.clear()
      errorEvents.clear()
    },
  }
}

