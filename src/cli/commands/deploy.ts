// decnet deploy: resolve the fleet, then hand it to an engine (see
// src/engines/registry.ts): the local engine runs it on this host (no root, no
// Docker: the default), the docker engine writes/runs a compose file. This
// command parses flags and renders; what runs where is the engine's.
import { Command, Option } from 'commander'
import type { FleetConfig } from '../../config/model.js'
import { resolveFleet, type FleetOptions } from '../../config/fleet.js'
import { registerCustomService, hasService, loadServices } from '../../services/registry.js'
import { CustomService } from '../../services/base.js'
import { UserError } from '../../errors.js'
import { decnetHome } from '../../runtime/paths.js'
import { readInstallSecret } from '../../runtime/install.js'
import type { EngineName, EnginePlan, RunningDeployment } from '../../engines/engine.js'
import { checkEngineFlags, engineDescriptor, engineNames, type EngineDescriptor } from '../../engines/registry.js'
import { parsePortOffset } from '../../engines/local/ports.js'
import { readFleetFile } from '../../engines/fleet-file.js'
import { DEFAULT_COMPOSE_FILE } from '../../engines/docker/index.js'
import { FLEET_HEADERS, fleetRows, skippedSummary } from '../fleet-table.js'
import { ConsoleFeed } from '../feed.js'
import { exitAfterGrace } from '../process-exit.js'
import { printTable } from '../table.js'

export interface DeployFlags {
  engine?: string
  config?: string
  deckies?: string
  services?: string
  randomizeServices?: boolean
  archetype?: string
  distro?: string
  randomizeDistros?: boolean
  subnet?: string
  ipStart?: string
  gateway?: string
  address?: string
  interface?: string
  ipvlan?: boolean
  logTarget?: string
  portOffset?: string
  detach?: boolean
  dryRun?: boolean
  output?: string
  inlineSecrets?: boolean
  /** local: also fingerprint TLS/SSH handshakes to the deckies, captured on this interface. */
  sniff?: string
  /** Internal: the --detach child reads the parent's resolved fleet. */
  fleetFile?: string
}

const list = (s: string | undefined): string[] | undefined =>
  s === undefined ? undefined : s.split(',').map((x) => x.trim()).filter(Boolean)

/** --engine, else local (docker for --dry-run). */
export function engineOf(flags: DeployFlags): EngineName {
  return engineDescriptor(flags.engine ?? (flags.dryRun ? 'docker' : 'local')).name
}

function deckyCount(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) throw new UserError('FLAG_INVALID', `--deckies: expected a count of at least 1, got "${raw}"`)
  return Number(raw)
}

export function fleetOptions(flags: DeployFlags, addressing: EngineDescriptor['addressing'], seed?: Buffer): FleetOptions {
  const o: FleetOptions = { engine: addressing }
  if (seed) o.seed = seed
  if (flags.config !== undefined) o.config = flags.config
  const n = deckyCount(flags.deckies)
  if (n !== undefined) o.deckies = n
  const services = list(flags.services)
  if (services) o.services = services
  if (flags.randomizeServices) o.randomizeServices = true
  if (flags.archetype !== undefined) o.archetype = flags.archetype
  const distro = list(flags.distro)
  if (distro) o.distro = distro
  if (flags.randomizeDistros) o.randomizeDistros = true
  if (flags.subnet !== undefined) o.subnet = flags.subnet
  if (flags.ipStart !== undefined) o.ipStart = flags.ipStart
  if (flags.gateway !== undefined) o.gateway = flags.gateway
  if (flags.interface !== undefined) o.interface = flags.interface
  if (flags.ipvlan) o.ipvlan = true
  if (flags.logTarget !== undefined) o.logTarget = flags.logTarget
  const addresses = list(flags.address)
  if (addresses) o.addresses = addresses
  return o
}

/** Custom services travel inside the fleet; the --detach child registers them again. */
async function registerCustom(fleet: FleetConfig): Promise<void> {
  await loadServices()
  for (const c of fleet.customServices) {
    if (!hasService(c.name)) registerCustomService(new CustomService(c.name, c.image, c.execCmd, c.ports))
  }
}

function printPlan(plan: EnginePlan): void {
  printTable(FLEET_HEADERS, fleetRows(plan))
  for (const line of skippedSummary(plan)) process.stdout.write(`note: ${line}\n`)
}

export interface Output {
  out(line: string): void
  err(line: string): void
  isTTY: boolean
}

const stdio: Output = {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
  get isTTY() {
    return process.stdout.isTTY === true
  },
}

export async function deployCommand(flags: DeployFlags, io: Output = stdio): Promise<void> {
  const engine = engineDescriptor(engineOf(flags))
  const portOffset = parsePortOffset(flags.portOffset)
  checkEngineFlags(engine.name, {
    address: flags.address, portOffset, detach: flags.detach, sniff: flags.sniff, output: flags.output, inlineSecrets: flags.inlineSecrets,
  })
  const home = decnetHome()
  const runner = engine.create({
    home, portOffset, detach: flags.detach === true, inlineSecrets: flags.inlineSecrets === true,
    ...(flags.sniff !== undefined ? { sniff: flags.sniff } : {}),
    ...(flags.output !== undefined ? { output: flags.output } : {}),
  })
  await loadServices()
  // --fleet-file: this is the --detach child, given the fleet its parent resolved and showed
  const child = flags.fleetFile !== undefined
  const fleet = child ? readFleetFile(flags.fleetFile as string) : await resolveFleet(fleetOptions(flags, engine.addressing, readInstallSecret(home)))
  if (child && flags.logTarget) fleet.logTarget = flags.logTarget
  await registerCustom(fleet)
  const plan = await runner.plan(fleet)
  if (!child) printPlan(plan)
  if (flags.dryRun) {
    for (const line of await runner.preview(fleet, plan)) io.out(line)
    return
  }
  // held until the fleet is up: a refused deploy ends in one line, not in a feed
  const feed = child ? undefined : new ConsoleFeed(io.out, { held: true })
  let progressShown = false
  let applied
  try {
    applied = await runner.apply(fleet, plan, {
      ...(feed ? { feed } : {}),
      onProgress: (done, total) => {
        if (!io.isTTY) return
        progressShown = true
        process.stdout.write(`\rstarting ${done}/${total} services…`)
      },
      log: (line) => io.err(`decnet: ${line}`),
      relaunch: { entry: process.argv[1], execArgv: process.execArgv },
    })
  } catch (e) {
    if (progressShown) process.stdout.write('\n')
    feed?.discard()
    exitAfterGrace() // a refused deploy ends too, whatever it had opened
    throw e
  }
  if (progressShown) process.stdout.write('\r\x1b[K')
  for (const line of applied.notes) io.out(line)
  if (applied.running) await runUntilStopped(applied.running, feed, io)
}

/** The deckies run in this process: report them, show the feed, stop on Ctrl-C / SIGTERM / teardown, then end. */
async function runUntilStopped(running: RunningDeployment, feed: ConsoleFeed | undefined, io: Output): Promise<void> {
  const snap = running.snapshot()
  const up = snap.reduce((n, d) => n + d.services.filter((s) => s.state === 'running').length, 0)
  io.out(`${up} services up on ${snap.length} deckies`)
  for (const f of running.failing()) io.err(`decnet: ${f.decky}/${f.service} failed to start (retrying): ${f.error}`)
  if (feed) {
    io.out('Events follow (Ctrl-C stops the fleet; decnet bounty shows credentials):')
    feed.release()
  }
  let signals = 0
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signals > 1) process.exit(130) // a second Ctrl-C: no more waiting
    io.err(`decnet: ${sig}: stopping ${snap.length} deckies…`)
    void running.stop()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // keep the event loop alive even if every service is in backoff
  const keepAlive = setInterval(() => {}, 1 << 30)
  await running.done
  clearInterval(keepAlive)
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)
  io.out('stopped.')
  // the runner ends now, even if a handle (a socket some emulator left open) would keep it: teardown waits for its pid
  exitAfterGrace()
}

export function register(program: Command): void {
  program
    .command('deploy')
    .description('Deploy a fleet of deckies: on this host with the local engine (default; no root, no Docker), or as docker compose services')
    .addOption(new Option('--engine <engine>', 'local: every decky on its own address of this host; docker: compose file + docker compose (default for --dry-run)').choices(engineNames()))
    .option('-c, --config <file>', 'deployment INI (deckies, services, persona keys)')
    .option('-n, --deckies <n>', 'number of deckies (without --config)')
    .option('--services <list>', 'comma-separated services for every decky, e.g. http,ssh')
    .option('--randomize-services', '1 to 3 random services per decky')
    .option('-a, --archetype <slug>', 'a machine role (see decnet archetypes)')
    .option('--distro <list>', 'comma-separated distros, cycled over the deckies')
    .option('--randomize-distros', 'a random distro per decky')
    .option('--subnet <cidr>', 'docker: LAN subnet of the deckies')
    .option('--ip-start <ip>', 'first decky address')
    .option('--gateway <ip>', 'docker: LAN gateway (never given to a decky)')
    .option('--address <ips>', 'local: comma-separated addresses of this host, one per decky (default 127.42.0.1, 127.42.0.2, …)')
    .option('-i, --interface <iface>', 'docker: host NIC the MACVLAN/IPVLAN network hangs off')
    .option('--ipvlan', 'docker: IPVLAN L2 instead of MACVLAN (Wi-Fi NICs)')
    .option('--log-target <host:port>', 'also forward every event as RFC 5424 syslog to this collector')
    .option('--port-offset <n>', 'local: add N to every port (80 → 80+N) so that no root is needed')
    .option('--sniff <iface>', 'local: also fingerprint TLS and SSH clients of the deckies (JA3, JA4, HASSH…) captured on this interface with tcpdump (root or CAP_NET_RAW); e.g. lo')
    .option('--detach', 'local: run in the background; follow with decnet logs -f, stop with decnet teardown --all')
    .option('--dry-run', 'print the plan; with the docker engine write the compose file and stop')
    .option('-o, --output <file>', `docker: compose file to write (default ${DEFAULT_COMPOSE_FILE})`)
    .option('--inline-secrets', 'docker: keep secret persona values in the compose file instead of env files')
    .addOption(new Option('--fleet-file <path>').hideHelp())
    .action(async (flags: DeployFlags) => deployCommand(flags))
}
