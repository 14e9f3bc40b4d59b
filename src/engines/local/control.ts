// The runner's control channel: a Unix socket in DECNET_HOME (mode 0600). One
// JSON line in, one JSON line out. `decnet teardown` uses it to stop one decky
// or all; SIGTERM remains the fallback for --all.
import { createConnection, createServer, type Server } from 'node:net'
import { chmodSync, rmSync } from 'node:fs'
import { join } from 'node:path'

export const CONTROL_SOCKET = 'control.sock'
/** sockaddr_un.sun_path is 108 bytes on Linux (104 on BSDs). */
const MAX_SOCKET_PATH = 100
const MAX_REQUEST_BYTES = 4096
const CLIENT_TIMEOUT_MS = 15_000

export type ControlRequest = { op: 'stop' } | { op: 'stop-decky'; name: string } | { op: 'ping' }
export interface ControlReply {
  ok: boolean
  error?: string
  /** Deckies still running after the request. */
  remaining?: string[]
}

export type ControlHandler = (req: ControlRequest) => Promise<ControlReply>

/** Path of the socket, or undefined when DECNET_HOME is too deep for a Unix socket. */
export function controlSocketPath(home: string): string | undefined {
  const p = join(home, CONTROL_SOCKET)
  return Buffer.byteLength(p) <= MAX_SOCKET_PATH ? p : undefined
}

function parseRequest(line: string): ControlRequest | undefined {
  let v: unknown
  try {
    v = JSON.parse(line)
  } catch {
    return undefined
  }
  if (typeof v !== 'object' || v === null) return undefined
  const r = v as Record<string, unknown>
  if (r.op === 'stop' || r.op === 'ping') return { op: r.op }
  if (r.op === 'stop-decky' && typeof r.name === 'string') return { op: 'stop-decky', name: r.name }
  return undefined
}

export async function startControlServer(path: string, handler: ControlHandler): Promise<Server> {
  rmSync(path, { force: true }) // a stale socket of a runner that died
  const server = createServer((sock) => {
    let buf = ''
    sock.setEncoding('utf8')
    sock.on('error', () => {})
    sock.setTimeout(CLIENT_TIMEOUT_MS, () => sock.destroy())
    sock.on('data', (chunk: string) => {
      buf += chunk
      if (buf.length > MAX_REQUEST_BYTES) return void sock.destroy()
      const nl = buf.indexOf('\n')
      if (nl < 0) return
      const req = parseRequest(buf.slice(0, nl))
      buf = ''
      if (!req) return void sock.end(JSON.stringify({ ok: false, error: 'bad request' }) + '\n')
      handler(req).then(
        (reply) => sock.end(JSON.stringify(reply) + '\n'),
        (e: unknown) => sock.end(JSON.stringify({ ok: false, error: String((e as Error).message ?? e) }) + '\n'),
      )
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => {
      server.off('error', reject)
      resolve()
    })
  })
  chmodSync(path, 0o600)
  server.unref()
  return server
}

export function closeControlServer(server: Server, path: string): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    rmSync(path, { force: true })
  })
}

/** Sends one request; rejects when nobody answers. */
export function sendControl(path: string, req: ControlRequest, timeoutMs = CLIENT_TIMEOUT_MS): Promise<ControlReply> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(path)
    let buf = ''
    const timer = setTimeout(() => {
      sock.destroy()
      reject(new Error('control channel: no answer'))
    }, timeoutMs)
    sock.setEncoding('utf8')
    sock.on('connect', () => sock.write(JSON.stringify(req) + '\n'))
    sock.on('data', (c: string) => {
      buf += c
    })
    sock.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    sock.on('end', () => {
      clearTimeout(timer)
      try {
        resolve(JSON.parse(buf) as ControlReply)
      } catch {
        reject(new Error('control channel: bad answer'))
      }
    })
  })
}
