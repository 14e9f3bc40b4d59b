// telnet emulator: the decky's telnet daemon and login program (netkit
// telnetd + login on Linux personas, busybox on embedded ones, an IOS vty on
// cisco ones), bait accounts from the persona, and the shared emulated shell
// after login. Nothing is executed or fetched on the host.
import { join } from 'node:path'
import type { EmulatorFactory, HoneypotContext } from '../../runtime/context.js'
import { personaKey, shellPersonaOf } from '../shared/shell/persona.js'
import { seedFs } from '../shared/shell/seed.js'
import { dialect, pickDialect } from './dialects.js'
import { handleTelnet } from './connection.js'
import type { TelnetRuntime } from './runtime.js'

export const TELNET_PORT = 23


function uptime(since: number): string {
  let m = Math.floor((Date.now() - since) / 60_000)
  const w = Math.floor(m / (7 * 1440))
  m -= w * 7 * 1440
  const d = Math.floor(m / 1440)
  m -= d * 1440
  const h = Math.floor(m / 60)
  m -= h * 60
  const parts = [[w, 'week'], [d, 'day'], [h, 'hour'], [m, 'minute']] as const
  return parts.filter(([n]) => n > 0).map(([n, u]) => `${n} ${u}${n === 1 ? '' : 's'}`).join(', ') || '0 minutes'
}

export async function buildRuntime(ctx: HoneypotContext): Promise<TelnetRuntime> {
  const { persona, hostname, distro } = shellPersonaOf(ctx)
  const rng = ctx.rng.fork('telnet/ios')
  const serial = `FTX${rng.int(1500, 2399)}${String.fromCharCode(65 + rng.int(0, 25))}${rng.int(100, 999)}`
  const stateDir = await ctx.stateDir()
  return {
    ctx,
    persona,
    fs: seedFs(persona, ctx.rng),
    dialect: dialect(pickDialect(ctx.decky.osFamily, distro), hostname, distro),
    lastLogins: new Map(),
    ptyCounter: 0,
    transcriptsDir: join(stateDir, 'transcripts'),
    ios: (user) => ({
      hostname: hostname.split('.')[0] ?? hostname,
      user,
      enableSecret: personaKey(ctx, 'password') ?? 'admin',
      model: 'C2911',
      version: '15.7(3)M5',
      serial,
      uptime: () => uptime(persona.bootTime),
    }),
  }
}

export const create: EmulatorFactory = (ctx) => ({
  async start() {
    const rt = await buildRuntime(ctx)
    // login's LOGIN_TIMEOUT (IOS: 30 s): a connection that has not logged in by then is closed
    await ctx.listenTcp(TELNET_PORT, (socket, session) => handleTelnet(rt, socket, session), {
      handshakeTimeoutMs: rt.dialect.loginTimeoutMs,
      handshakeReason: 'login_timeout',
      noDelay: true,
    })
  },
})
