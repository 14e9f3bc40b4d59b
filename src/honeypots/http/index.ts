// http / https emulator: a hand-written HTTP/1.1 server (no node:http, so no
// Node tells) that answers as the persona's Apache, nginx, IIS, Tomcat or
// Jenkins would, over plain TCP (80) and TLS (443).
import { createServer, type Server, type Socket } from 'node:net'
import { TLSSocket, createSecureContext, type SecureContext } from 'node:tls'
import { readFile } from 'node:fs/promises'
import type { EmulatorFactory, HoneypotContext, Honeypot } from '../../runtime/context.js'
import { deckyCertificate } from '../shared/tls.js'
import { handleConnection } from './connection.js'
import { resolvePersona, type Persona } from './persona.js'

interface Listener {
  declared: number
  tls: boolean
}

/** PEM text as given, or the contents of the file it names. */
async function pemOrFile(v: unknown): Promise<string | undefined> {
  if (typeof v !== 'string' || v.trim() === '') return undefined
  if (v.includes('-----BEGIN ')) return v
  return readFile(v.trim(), 'utf8')
}

async function secureContext(ctx: HoneypotContext): Promise<SecureContext> {
  const cert = await pemOrFile(ctx.config.tls_cert)
  const key = await pemOrFile(ctx.config.tls_key)
  const pair = cert !== undefined && key !== undefined
    ? { cert, key }
    : await deckyCertificate(ctx, { cn: typeof ctx.config.tls_cn === 'string' && ctx.config.tls_cn !== '' ? ctx.config.tls_cn : undefined })
  // Debian's mod_ssl / nginx defaults: "HIGH:!aNULL", TLS 1.2+, client's cipher order.
  return createSecureContext({ ...pair, minVersion: 'TLSv1.2', ciphers: 'HIGH:!aNULL:!MD5' })
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err)
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
}

function serve(ctx: HoneypotContext, persona: Persona, l: Listener, secure: SecureContext | undefined, open: Set<Socket>): Server {
  return createServer((socket: Socket) => {
    open.add(socket)
    socket.once('close', () => open.delete(socket))
    const session = ctx.accept(socket)
    if (!session) return
    const scheme = l.tls ? 'https' : 'http'
    const opts = { ctx, persona, scheme, declaredPort: l.declared } as const
    if (!l.tls || !secure) {
      handleConnection(socket, session, opts)
      return
    }
    const tls = new TLSSocket(socket, { isServer: true, secureContext: secure, ALPNProtocols: ['http/1.1'] })
    tls.on('error', (err: Error) => {
      session.emit('tls_error', { error: err.message.slice(0, 200) })
      session.close('tls_error')
    })
    tls.once('secure', () => {
      session.emit('tls_handshake', { tls_version: tls.getProtocol() ?? undefined, cipher: tls.getCipher()?.name, sni: (tls as TLSSocket & { servername?: string | false }).servername || undefined })
    })
    handleConnection(tls, session, opts)
  })
}

function emulator(ctx: HoneypotContext, listeners: Listener[]): Honeypot {
  const servers: Server[] = []
  const open = new Set<Socket>()
  return {
    async start() {
      const persona = resolvePersona(ctx)
      const secure = listeners.some((l) => l.tls) ? await secureContext(ctx) : undefined
      for (const l of listeners) {
        const server = serve(ctx, persona, l, secure, open)
        try {
          await listen(server, ctx.port(l.declared), ctx.bindAddress)
        } catch (err) {
          // http also declares 443; when an https service holds it, keep 80 running.
          const code = (err as NodeJS.ErrnoException).code
          if (l.tls && listeners.length > 1 && code === 'EADDRINUSE') {
            ctx.log.warn(`port ${ctx.port(l.declared)} in use; serving http only`)
            continue
          }
          await Promise.all(servers.map((s) => new Promise((r) => s.close(r))))
          throw err
        }
        servers.push(server)
      }
    },
    async stop() {
      const closed = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
      // close() waits for open connections; drop them.
      for (const socket of open) socket.destroy()
      await closed
      servers.length = 0
    },
  }
}

/** http: plain HTTP on 80 and the same site over TLS on 443. */
export const create: EmulatorFactory = (ctx) => emulator(ctx, [{ declared: 80, tls: false }, { declared: 443, tls: true }])

/** https: TLS only, on 443. */
export const createHttps: EmulatorFactory = (ctx) => emulator(ctx, [{ declared: 443, tls: true }])
