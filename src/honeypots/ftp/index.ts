// ftp emulator: the daemon the persona names (vsftpd 3.0.3 by default,
// ProFTPD or Pure-FTPd), anonymous and bait-account logins on a seeded tree,
// passive ports from the persona's range, active data only to the client,
// AUTH TLS with a per-decky certificate, uploads quarantined. docs/ftp.md.
import { createSecureContext } from 'node:tls'
import type { EmulatorFactory } from '../../runtime/context.js'
import { deckyCertificate } from '../shared/tls.js'
import { buildTree } from './bait.js'
import { PassivePool } from './passive.js'
import { ftpPersona } from './persona.js'
import { FTP_LIMITS, handleControl, type FtpRuntime } from './session.js'

export const FTP_PORT = 21

export const create: EmulatorFactory = (ctx) => ({
  async start() {
    const num = (k: string, d: number) => (typeof ctx.config[k] === 'number' ? (ctx.config[k] as number) : d)
    const user = ctx.config.user === undefined ? '' : String(ctx.config.user)
    const pass = ctx.config.password === undefined ? '' : String(ctx.config.password)
    let tls: FtpRuntime['tls']
    if (ctx.config.ssl === true) {
      const { key, cert } = await deckyCertificate(ctx, { cn: ctx.decky.hostname })
      tls = { secureContext: createSecureContext({ key, cert }) }
    }
    const pool = new PassivePool(ctx)
    const rt: FtpRuntime = {
      ctx,
      persona: ftpPersona(ctx),
      tree: buildTree(ctx),
      pool,
      tls,
      anonymous: ctx.config.anonymous !== false,
      anonUpload: ctx.config.anon_upload !== false,
      account: user && pass ? { user, password: pass } : undefined,
    }
    const bound = await pool.bind(num('pasv_min_port', 40000), num('pasv_max_port', 40015))
    if (bound === 0) ctx.log.warn('ftp: no passive port could be bound; PASV/EPSV answer 425')
    await ctx.listenTcp(FTP_PORT, (socket, session) => handleControl(rt, socket, session), {
      handshakeTimeoutMs: FTP_LIMITS.loginGraceMs,
      handshakeReason: 'login_timeout',
    })
  },
})
