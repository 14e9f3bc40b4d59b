// http / https emulator: a hand-written HTTP/1.1 server (no node:http, so no
// Node tells) that answers as the persona's Apache, nginx, IIS, Tomcat or
// Jenkins would, over plain TCP (80) and TLS (443).
import { createSecureContext, type SecureContext } from 'node:tls'
import { readFile } from 'node:fs/promises'
import type { EmulatorFactory, HoneypotContext, Honeypot } from '../../runtime/context.js'
import { deckyCertificate } from '../shared/tls.js'
import { handleConnection } from './connection.js'
import { resolvePersona } from './persona.js'

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

function emulator(ctx: HoneypotContext, listeners: Listener[]): Honeypot {
  return {
    async start() {
      const persona = resolvePersona(ctx)
      const secure = listeners.some((l) => l.tls) ? await secureContext(ctx) : undefined
      for (const l of listeners) {
        const opts = { ctx, persona, scheme: l.tls ? 'https' : 'http', declaredPort: l.declared } as const
        try {
          if (l.tls && secure) {
            await ctx.listenTls(l.declared, { secureContext: secure, ALPNProtocols: ['http/1.1'] }, (tls, session) => handleConnection(tls, session, opts))
          } else {
            await ctx.listenTcp(l.declared, (socket, session) => handleConnection(socket, session, opts))
          }
        } catch (err) {
          // http also declares 443; when an https service holds it, keep 80 running.
          const code = (err as NodeJS.ErrnoException).code
          if (l.tls && listeners.length > 1 && code === 'EADDRINUSE') {
            ctx.log.warn(`port ${ctx.port(l.declared)} in use; serving http only`)
            continue
          }
          throw err
        }
      }
    },
  }
}

/** http: plain HTTP on 80 and the same site over TLS on 443. */
export const create: EmulatorFactory = (ctx) => emulator(ctx, [{ declared: 80, tls: false }, { declared: 443, tls: true }])

/** https: TLS only, on 443. */
export const createHttps: EmulatorFactory = (ctx) => emulator(ctx, [{ declared: 443, tls: true }])
