// ssh emulator: ssh2 dressed as the persona distro's OpenSSH (ident, KEXINIT
// lists, per-decky host keys), bait accounts from the persona, and the shared
// emulated shell after login. Nothing is executed or fetched on the host.
import { join } from 'node:path'
import type { EmulatorFactory, HoneypotContext } from '../../runtime/context.js'
import { personaKey, shellPersonaOf } from '../shared/shell/persona.js'
import { seedFs } from '../shared/shell/seed.js'
import { planAlgorithms } from './algorithms.js'
import { AUTH_LIMITS } from './auth.js'
import { handleSocket } from './connection.js'
import { loadHostKeys } from './host-keys.js'
import type { SshRuntime } from './runtime.js'

export const SSH_PORT = 22
/** Software-version part of an identification string (RFC 4253 §4.2: printable, no spaces before comments). */
const IDENT_RE = /^[\x21-\x2c\x2e-\x7e]+(?: [\x20-\x7e]+)?$/


export async function buildRuntime(ctx: HoneypotContext): Promise<SshRuntime> {
  const { persona, hostname, distro } = shellPersonaOf(ctx)
  const override = personaKey(ctx, 'version')?.replace(/^SSH-2\.0-/, '')
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
