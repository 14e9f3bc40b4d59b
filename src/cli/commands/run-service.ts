// decnet run-service [slug]: run one emulator in the foreground. The
// entrypoint of service containers: NODE_NAME (decky), SERVICE (slug, or the
// argument), HOSTNAME (persona hostname), LOG_TARGET (syslog collector; else
// RFC 5424 lines on stdout) and the persona variables the plugin's
// composeFragment set. DECNET_DECKY_KEY (hex, from the composer's secret env
// file) is the decky key, so every container of a decky shows the values the
// local engine would; DECNET_QUARANTINE_DIR is the bind-mounted quarantine
// folder artifacts go to.
import type { Command } from 'commander'
import { hostname as osHostname, networkInterfaces } from 'node:os'
import { resolve } from 'node:path'
import { UserError } from '../../errors.js'
import { getService, loadServices } from '../../services/registry.js'
import { configFromEnv } from '../../services/_env.js'
import { DECKY_KEY_ENV, QUARANTINE_DIR_ENV } from '../../services/_common.js'
import { artifactsRoot, decnetHome } from '../../runtime/paths.js'
import { readInstallSecret } from '../../runtime/install.js'
import { DECKY_KEY_BYTES } from '../../runtime/service-runtime.js'
import { DeckyHost } from '../../runtime/decky-host.js'
import { ServiceSupervisor } from '../../runtime/supervisor.js'
import type { DeckyIdentity } from '../../runtime/context.js'
import type { EventSink } from '../../events/sink.js'
import { formatEvent } from '../../syslog/index.js'
import { logTargetSink, type ClosableSink } from '../../engines/log-target.js'
import { installCrashGuard } from '../../runtime/crash-guard.js'
import { loadEmulator } from '../../engines/local/plan.js'
import { parsePortOffset } from '../../engines/local/ports.js'

export interface RunServiceFlags {
  bind?: string
  portOffset?: string
}

function firstIpv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address
  }
  return undefined
}

const SEED_HEX = new RegExp(`^[0-9a-fA-F]{${DECKY_KEY_BYTES * 2}}$`)

/** DECNET_DECKY_KEY → the decky key; undefined when unset (then the local install secret seeds). */
export function deckyKeyFromEnv(env: NodeJS.ProcessEnv): Buffer | undefined {
  const hex = env[DECKY_KEY_ENV]?.trim()
  if (!hex) return undefined
  if (!SEED_HEX.test(hex)) throw new UserError('FLAG_INVALID', `${DECKY_KEY_ENV}: expected ${DECKY_KEY_BYTES * 2} hex digits`)
  return Buffer.from(hex, 'hex')
}

const stdoutSink: EventSink = { write: (e) => void process.stdout.write(formatEvent(e) + '\n') }

export async function runService(slugArg: string | undefined, flags: RunServiceFlags, env: NodeJS.ProcessEnv = process.env): Promise<{ stop(): Promise<void>; supervisor: ServiceSupervisor }> {
  const slug = slugArg ?? env.SERVICE
  if (!slug) throw new UserError('FLAG_INVALID', 'run-service: name the service (argument or SERVICE)')
  await loadServices()
  const plugin = getService(slug)
  const factory = await loadEmulator(plugin)
  if (!factory) throw new UserError('SERVICE_UNKNOWN', `run-service: ${slug} has no emulator yet`)
  const bind = flags.bind ?? '0.0.0.0'
  const decky: DeckyIdentity = {
    name: env.NODE_NAME || osHostname(),
    hostname: env.HOSTNAME || osHostname(),
    ip: bind === '0.0.0.0' ? (firstIpv4() ?? '127.0.0.1') : bind,
    osFamily: env.DECNET_OS || 'linux',
    distro: env.DECNET_DISTRO || 'unknown',
  }
  const deckyKey = deckyKeyFromEnv(env)
  // nothing this process spawns needs the key
  if (env === process.env) delete process.env[DECKY_KEY_ENV]
  const quarantine = env[QUARANTINE_DIR_ENV]?.trim()
  const sink: ClosableSink = env.LOG_TARGET ? await logTargetSink(env.LOG_TARGET) : stdoutSink
  const home = decnetHome(env)
  let raw: Record<string, unknown>
  try {
    raw = configFromEnv(plugin.configSchema, env)
  } catch (e) {
    throw new UserError('SERVICE_CONFIG_INVALID', `run-service ${slug}: ${(e as Error).message}`)
  }
  const host = new DeckyHost({
    decky,
    services: [{ plugin, factory, rawConfig: raw }],
    bindAddress: bind,
    portOffset: parsePortOffset(flags.portOffset),
    sink,
    home,
    artifactsRoot: env.DECNET_ARTIFACTS_ROOT || artifactsRoot(home),
    ...(quarantine ? { artifactsDir: resolve(quarantine) } : {}),
    ...(deckyKey ? { deckyKey } : { installSecret: readInstallSecret(home) }),
    log: () => ({ debug() {}, warn: (m) => process.stderr.write(`decnet: ${decky.name}/${slug}: ${m}\n`) }),
  })
  const supervisor = host.supervisors.get(slug) as ServiceSupervisor
  const guard = installCrashGuard((s) => host.owns(s), (m) => process.stderr.write(`decnet: ${m}\n`))
  await host.start()
  if (supervisor.state !== 'running' && ['EACCES', 'EADDRINUSE', 'EADDRNOTAVAIL'].includes(supervisor.lastErrorCode ?? '')) {
    await host.stop()
    guard.release()
    throw new UserError('ADDRESS_UNAVAILABLE', `run-service ${slug}: ${supervisor.lastError ?? 'cannot bind'}`)
  }
  return {
    supervisor,
    async stop() {
      await host.stop()
      guard.release()
      await sink.close?.()
    },
  }
}

export function register(program: Command): void {
  program
    .command('run-service [slug]')
    .description('Run one service emulator in the foreground (entrypoint of service containers; env NODE_NAME, SERVICE, LOG_TARGET, persona keys)')
    .option('--bind <address>', 'address to listen on', '0.0.0.0')
    .option('--port-offset <n>', 'add N to every port')
    .action(async (slug: string | undefined, flags: RunServiceFlags) => {
      const running = await runService(slug, flags)
      const s = running.supervisor
      const where = s.bound.map((b) => `${b.address}:${b.port}${b.proto === 'udp' ? '/udp' : ''}`).join(', ')
      process.stderr.write(s.state === 'running'
        ? `decnet: ${s.label} listening on ${where}\n`
        : `decnet: ${s.label} failed to start (retrying): ${s.lastError ?? s.state}\n`)
      const keepAlive = setInterval(() => {}, 1 << 30)
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve())
        process.once('SIGTERM', () => resolve())
      })
      clearInterval(keepAlive)
      await running.stop()
    })
}
