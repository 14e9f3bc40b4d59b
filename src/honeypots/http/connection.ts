// One HTTP/1.x connection: bytes → RequestReader → router → flavour-shaped
// bytes, in order (pipelining), with keep-alive limits and events.
import type { Duplex } from 'node:stream'
import type { HoneypotContext, Session } from '../../runtime/context.js'
import { HEADER_TIMEOUT_MS, MAX_KEEPALIVE_REQUESTS, MAX_PIPELINE, MAX_QUEUED_BODY_BYTES } from './constants.js'
import { RequestReader, headerValue, type HttpRequest, type ParseError, type ReaderItem } from './parser.js'
import type { ConnState, Response } from './response.js'
import type { Flavor, Framing } from './flavors/flavor.js'
import type { Persona } from './persona.js'
import { errorInfo, parseTarget, requestHost, route, type Target } from './router.js'
import { requestEvents, parseErrorEvent } from './events.js'
import { saveUploads } from './uploads.js'
import { H2_SNIFF_MAX, settingName, sniffH2 } from './h2.js'

export interface ConnectionOptions {
  ctx: HoneypotContext
  persona: Persona
  scheme: 'http' | 'https'
  /** The port the decky claims (80/443), for pages; not the real bound port. */
  declaredPort: number
}

/** Status line + headers + body in the flavour's order; HEAD and 1xx/204/304 have no body. */
export function serialize(flavor: Flavor, res: Response, o: { method: string; conn: ConnState; date?: Date; version?: string }): Buffer {
  const framing: Framing = !res.streamed ? 'length' : o.version === 'HTTP/1.0' ? 'close' : 'chunked'
  const conn = framing === 'close' ? { ...o.conn, keepAlive: false } : o.conn
  const { statusLine, headers } = flavor.head(res, { date: o.date ?? new Date(), conn, contentLength: res.body.length, framing })
  const head = Buffer.from(`${statusLine}\r\n${headers.map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\n\r\n`, 'latin1')
  const noBody = o.method === 'HEAD' || res.status === 204 || res.status === 304
  if (noBody) return head
  if (framing !== 'chunked') return Buffer.concat([head, res.body])
  const size = res.body.length > 0 ? [Buffer.from(`${res.body.length.toString(16)}\r\n`, 'latin1'), res.body, Buffer.from('\r\n')] : []
  return Buffer.concat([head, ...size, Buffer.from('0\r\n\r\n', 'latin1')])
}

/** extra_headers replace same-named headers (Content-Type included) or are appended. */
export function applyExtraHeaders(res: Response, extra: readonly [string, string][]): Response {
  if (extra.length === 0) return res
  const headers = [...res.headers]
  let contentType = res.contentType
  for (const [name, value] of extra) {
    const lower = name.toLowerCase()
    if (lower === 'content-type') {
      contentType = value
      continue
    }
    if (lower === 'content-length' || lower === 'date' || lower === 'connection' || lower === 'keep-alive' || lower === 'transfer-encoding') continue
    const i = headers.findIndex(([n]) => n.toLowerCase() === lower)
    if (i >= 0) headers[i] = [name, value]
    else headers.push([name, value])
  }
  return { ...res, headers, contentType }
}

function wantsKeepAlive(req: HttpRequest): boolean {
  const conn = (headerValue(req.headers, 'connection') ?? '').toLowerCase().split(',').map((s) => s.trim())
  if (req.version === 'HTTP/1.0') return conn.includes('keep-alive')
  return !conn.includes('close')
}

export function handleConnection(stream: Duplex, session: Session, o: ConnectionOptions): void {
  const { persona, ctx } = o
  const flavor = persona.flavor
  const reader = new RequestReader({ maxBodyKept: ctx.limits.maxFrameBytes })
  const queue: ReaderItem[] = []
  let busy = false
  let chain: Promise<void> = Promise.resolve()
  let served = 0
  let ending = false
  let keepAliveTimer: NodeJS.Timeout | undefined
  /** Slow-header guard (slowloris): the head must complete within HEADER_TIMEOUT_MS. */
  let headTimer: NodeJS.Timeout | undefined
  const headTimeoutMs = Math.min(HEADER_TIMEOUT_MS, ctx.limits.idleTimeoutMs)
  const watchHead = () => {
    if (!reader.readingHead) {
      clearTimeout(headTimer)
      headTimer = undefined
    } else if (headTimer === undefined) {
      headTimer = setTimeout(() => {
        session.emit('request_timeout', { phase: 'headers', buffered: reader.buffered, timeout_ms: headTimeoutMs })
        finish('header_timeout')
      }, headTimeoutMs)
      headTimer.unref()
    }
  }
  const queuedBytes = () => queue.reduce((n, i) => n + (i.kind === 'request' ? i.request.body.length : 0), 0)
  const keepAliveMs = Math.min(flavor.keepAliveTimeoutMs, ctx.limits.idleTimeoutMs)
  const pageHost = { host: persona.hostname, port: o.declaredPort }

  const finish = (reason: string) => {
    if (ending) return
    ending = true
    clearTimeout(keepAliveTimer)
    clearTimeout(headTimer)
    stream.end()
    // Give the peer a moment to read the last response, then drop.
    setTimeout(() => session.close(reason), 2000).unref()
  }

  const write = (buf: Buffer) => {
    if (!stream.destroyed && !stream.writableEnded) stream.write(buf)
  }

  const onParseError = (error: ParseError, detail: string) => {
    const res = flavor.parseError(error, errorInfo(pageHost, 400, 'GET', '/'))
    const bytes = serialize(flavor, res, { method: 'GET', conn: { keepAlive: false, remaining: 0 } })
    write(bytes)
    parseErrorEvent(session, { error, detail, status: res.status, bytes: res.body.length, buffered: reader.buffered })
    finish('bad_request')
  }

  const handle = async (req: HttpRequest) => {
    served++
    const target = parseTarget(req.target)
    const host = requestHost(req)
    const t: Target = 'error' in target ? { rawPath: req.target.split('?')[0] ?? req.target, query: '', path: '/' } : target
    const pageInfo = {
      host: host.ok && host.host ? host.host : persona.hostname,
      port: host.ok && host.port !== undefined ? host.port : o.declaredPort,
    }
    let res: Response
    if (!host.ok) res = { ...flavor.errorPage(errorInfo(pageHost, 400, req.method, t.path)), close: true }
    else if ('error' in target) res = { ...flavor.errorPage(errorInfo(pageInfo, target.error, req.method, t.path)), close: target.error === 400 }
    else {
      const authority = (host.host ?? persona.hostname) + (host.port !== undefined ? `:${host.port}` : '')
      try {
        res = await route({ req, target, persona, ...pageInfo, scheme: o.scheme, authority })
      } catch (err) {
        // our bug, not the attacker's: answer like a server with a broken handler
        ctx.log.warn(`http route failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`)
        res = { ...flavor.errorPage(errorInfo(pageInfo, 500, req.method, t.path)), close: true }
      }
    }
    res = applyExtraHeaders(res, persona.extraHeaders)
    const keepAlive = !res.close && !ending && wantsKeepAlive(req) && served < MAX_KEEPALIVE_REQUESTS &&
      !(res.streamed === true && req.version === 'HTTP/1.0')
    const conn: ConnState = { keepAlive, remaining: MAX_KEEPALIVE_REQUESTS - served }
    write(serialize(flavor, res, { method: req.method, conn, version: req.version }))
    requestEvents(session, { req, target: t, status: res.status, bytes: req.method === 'HEAD' ? 0 : res.body.length, app: persona.app, scheme: o.scheme })
    saveUploads(ctx, session, req, t.path)
    if (!keepAlive) finish('http_close')
  }

  const drain = async () => {
    busy = true
    try {
      while (queue.length > 0 && !ending) {
        const item = queue.shift() as ReaderItem
        if (item.kind === 'error') onParseError(item.error, item.detail)
        else await handle(item.request)
        if (queue.length < MAX_PIPELINE / 2 && queuedBytes() < MAX_QUEUED_BODY_BYTES && stream.isPaused()) stream.resume()
      }
    } catch (err) {
      session.emit('protocol_error', { error: err instanceof Error ? err.message : String(err) })
      finish('error')
    } finally {
      busy = false
    }
    if (!ending && queue.length === 0 && reader.idle) {
      clearTimeout(keepAliveTimer)
      keepAliveTimer = setTimeout(() => finish('keepalive_timeout'), keepAliveMs)
      keepAliveTimer.unref()
    }
  }
  /** Responses go out strictly in request order: one drain at a time. */
  const pump = (): Promise<void> => (chain = chain.then(drain))

  /** First bytes, until we know whether this is an h2c prior-knowledge client. */
  let sniff: Buffer | undefined = Buffer.alloc(0)

  stream.on('data', (data: Buffer) => {
    session.touch()
    if (ending) return
    clearTimeout(keepAliveTimer)
    let chunk = data
    if (sniff !== undefined) {
      sniff = Buffer.concat([sniff, data])
      const r = sniff.length > H2_SNIFF_MAX ? { kind: 'not_h2' as const } : sniffH2(sniff)
      if (r.kind === 'need') return
      if (r.kind === 'h2') {
        session.emit('http2_settings', {
          proto: 'h2c',
          settings: Object.fromEntries((r.settings ?? []).map(([id, v]) => [settingName(id), v])),
          frame_order: (r.settings ?? []).map(([id]) => id),
        })
        // Not an h2 server: the request line "PRI * HTTP/2.0" is refused as such.
        onParseError('bad_version', 'HTTP/2 connection preface')
        return
      }
      chunk = sniff
      sniff = undefined
    }
    let items: ReaderItem[]
    try {
      items = reader.push(chunk)
    } catch (err) {
      session.emit('protocol_error', { error: err instanceof Error ? err.message : String(err) })
      finish('error')
      return
    }
    watchHead()
    if (reader.takeContinue() && queue.length === 0 && !busy) write(Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1'))
    queue.push(...items)
    if (queue.length >= MAX_PIPELINE || queuedBytes() >= MAX_QUEUED_BODY_BYTES) stream.pause()
    void pump()
  })
  stream.on('end', () => {
    // Half-close from the client: answer what is queued, then close.
    void pump().then(() => finish('client_end'))
  })
  stream.on('error', () => session.close('socket_error'))
  stream.on('close', () => {
    clearTimeout(keepAliveTimer)
    clearTimeout(headTimer)
    session.close('closed')
  })
}
