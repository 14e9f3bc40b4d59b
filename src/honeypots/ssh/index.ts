// ssh emulator: ssh2 dressed as the persona distro's OpenSSH (ident, KEXINIT
// lists, per-decky host keys), bait accounts from the persona, and the shared
// emulated shell after login. Nothing is executed or fetched on the host.
import { join } from 'node:path'
import type { EmulatorFactory, HoneypotContext } from '../../runtime/context.js'
import { distroPersona as distroProfile } from '../shared/shell/distro.js'
import { buildPersona } from '../shared/shell/persona.js'
import { seedFs } from '../shared/shell/seed.js'
import { planAlgorithms } from './algorithms.js'
import { AUTH_LIMITS } from './auth.js'
import { handleSocket } from './connection.js'
import { loadHostKeys } from './host-keys.js'
import type { SshRuntime } from './runtime.js'

export const SSH_PORT = 22
/** Software-version part of an identification string (RFC 4253 §4.2: printable, no spaces before comments). */
const IDENT_RE = /^[\x21-\x2c\x2e-\x7e]+(?: [\x20-\x7e]+)?$/

/** Persona keys this emulator reads (plugin schema: password, user, user_password, hostname). */
function str(ctx: HoneypotContext, key: string): string | undefined {
  const v = ctx.config[key]
  return v === undefined ? undefined : String(v)
}

export async function buildRuntime(ctx: HoneypotContext): Promise<SshRuntime> {
  const distro = distroProfile(ctx.decky.distro)
  const hostname = str(ctx, 'hostname') || ctx.decky.hostname
  const persona = buildPersona({
    hostname,
    ip: ctx.decky.ip,
    distro: distro.slug,
    rootPassword: str(ctx, 'password') ?? 'admin',
    user: str(ctx, 'user') ?? 'ubuntu',
    userPassword: str(ctx, 'user_password') ?? 'admin',
    rng: ctx.rng,
  })
  const override = str(ctx, 'version')?.replace(/^SSH-2\.0-/, '')
  const ident = override && IDENT_RE.test(override) && override.length <= 200 ? override : distro.sshIdent
  const stateDir = await ctx.stateDir()
  const hostKeys = await loadHostKeys(stateDir, ctx.rng, { rsaBits: distro.rsaBits, comment: `root@${hostname.split('.')[0]}` })
  const plan = planAlgorithms(distro.ssh)
  return {
    ctx,
    persona,
    fs: seedFs(persona, ctx.rng),
    ident,
    hostKeys,
    serverConfig: {
      hostKeys: hostKeys.map((k) => ({ key: k.parsed })),
      algorithms: plan.algorithms,
      ident,
      serverSigAlgs: distro.ssh.serverSigAlgs,
    },
    lastLogins: new Map(),
    authMethods: distro.authMethods,
    ptyCounter: 0,
    transcriptsDir: join(stateDir, 'transcripts'),
  }
}

export const create: EmulatorFactory = (ctx) => ({
  async start() {
    const rt = await buildRuntime(ctx)
    // sshd's LoginGraceTime: a connection that has not logged in by then is dropped
    await ctx.listenTcp(SSH_PORT, (socket, session) => handleSocket(rt, socket, session), {
      handshakeTimeoutMs: AUTH_LIMITS.loginGraceMs,
      handshakeReason: 'login_grace_timeout',
    })
  },
})
