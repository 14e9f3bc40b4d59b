// ssh emulator: ssh2 dressed as the persona distro's OpenSSH (ident, KEXINIT
// lists, per-decky host keys), bait accounts from the persona, and the shared
// emulated shell after login. Nothing is executed or fetched on the host.
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import type { EmulatorFactory, HoneypotContext, Honeypot } from '../../runtime/context.js'
import { distroProfile } from '../shared/shell/distro.js'
import { buildPersona } from '../shared/shell/persona.js'
import { seedFs } from '../shared/shell/seed.js'
import { planAlgorithms } from './algorithms.js'
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

class SshHoneypot implements Honeypot {
  #server: Server | undefined
  readonly #sockets = new Set<Socket>()
  constructor(readonly ctx: HoneypotContext) {}

  async start(): Promise<void> {
    const rt = await buildRuntime(this.ctx)
    const server = createServer((socket) => {
      this.#sockets.add(socket)
      socket.once('close', () => this.#sockets.delete(socket))
      try {
        handleSocket(rt, socket)
      } catch (e) {
        this.ctx.log.warn(`ssh connection: ${String(e)}`)
        socket.destroy()
      }
    })
    this.#server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.ctx.port(SSH_PORT), this.ctx.bindAddress, () => {
        server.off('error', reject)
        resolve()
      })
    })
  }

  async stop(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    if (!server) return
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const socket of this.#sockets) socket.destroy()
    await closed
  }
}

export const create: EmulatorFactory = (ctx) => new SshHoneypot(ctx)
