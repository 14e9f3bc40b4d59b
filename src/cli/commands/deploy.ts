// decnet deploy: resolve the fleet, then run it on the local engine (this
// host, no root, no Docker: the default) or write/run a compose file (docker).
import { Command, Option } from 'commander'
import type { FleetConfig } from '../../config/model.js'
import { resolveFleet, type FleetOptions } from '../../config/fleet.js'
import { registerCustomService, hasService, loadServices } from '../../services/registry.js'
import { CustomService } from '../../services/base.js'
import { UserError } from '../../errors.js'
import { decnetHome } from '../../runtime/paths.js'
import { installSecret } from '../../runtime/install.js'
import { FanoutSink } from '../../events/sink.js'
import { checkInterfaceName, fleetFilter, startLiveSniffer, type LiveSniffer } from '../../sniffer/live.js'
import type { EventSink } from '../../events/sink.js'
import { openStore, Ingester } from '../../store/index.js'
import type { EngineName, EnginePlan } from '../../engines/engine.js'
import { runnable } from '../../engines/engine.js'
import { FLEET_HEADERS, fleetRows, skippedSummary } from '../../engines/fleet-table.js'
import { ConsoleFeed } from '../../engines/feed.js'
import { LocalEngine } from '../../engines/local/index.js'
import { parsePortOffset } from '../../engines/local/ports.js'
import { detach, readFleetFile } from '../../engines/local/detach.js'
import { DockerEngine, DEFAULT_COMPOSE_FILE } from '../../engines/docker/index.js'
import { logTargetSink } from '../../engines/log-target.js'
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

export function engineOf(flags: DeployFlags): EngineName {
  const e = flags.engine ?? (flags.dryRun ? 'docker' : 'local')
  if (e !== 'local' && e !== 'docker') throw new UserError('FLAG_INVALID', `--engine: "${e}" is not one of local, docker`)
  return e
}

function deckyCount(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) throw new UserError('FLAG_INVALID', `--deckies: expected a count of at least 1, got "${raw}"`)
  return Number(raw)
}

export function fleetOptions(flags: DeployFlags, engine: EngineName, seed?: Buffer): FleetOptions {
  const o: FleetOptions = { engine }
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
  const engine = engineOf(flags)
  const portOffset = parsePortOffset(flags.portOffset)
  if (flags.fleetFile) return runDetachedChild(flags, portOffset)
  if (engine === 'docker') {
    if (flags.address) throw new UserError('FLAG_INVALID', '--address is for the local engine; the docker engine takes --subnet/--ip-start')
    if (portOffset) throw new UserError('FLAG_INVALID', '--port-offset is for the local engine; containers own their addresses')
    if (flags.detach) throw new UserError('FLAG_INVALID', '--detach is for the local engine; docker compose already runs in the background')
    if (flags.sniff) throw new UserError('FLAG_INVALID', '--sniff is for the local engine; run decnet sniff --interface on the docker host')
    return deployDocker(flags, io)
  }
  if (flags.output || flags.inlineSecrets) {
    throw new UserError('FLAG_INVALID', '--output and --inline-secrets are for --engine docker (the local engine writes no compose file)')
  }
  await loadServices()
  if (flags.sniff !== undefined) checkInterfaceName('--sniff', flags.sniff)
  const home = decnetHome()
  const fleet = await resolveFleet(fleetOptions(flags, 'local', installSecret(home)))
  await registerCustom(fleet)
  const checker = new LocalEngine({ home, portOffset })
  const plan = await checker.check(fleet)
  printPlan(plan)
  if (flags.dryRun) {
    io.out(`dry run: nothing bound. ${runnableCount(plan)} services would listen on ${plan.deckies.length} deckies.`)
    return
  }
  if (flags.detach) {
    const entry = process.argv[1]
    if (!entry) throw new UserError('DEPLOY_FAILED', '--detach: cannot find the decnet entry script')
    const d = await detach({
      home, fleet, portOffset, entry, execArgv: process.execArgv,
      ...(fleet.logTarget ? { logTarget: fleet.logTarget } : {}),
      ...(flags.sniff ? { sniff: flags.sniff } : {}),
    })
    io.out(`${runnableCount(plan)} services up on ${plan.deckies.length} deckies, in the background (pid ${d.pid}; log ${d.logPath}).`)
    io.out('follow events:  decnet logs -f')
    io.out('stop:           decnet teardown --all')
    return
  }
  await runForeground(fleet, { home, portOffset, io, feed: true, sniff: flags.sniff })
}

function runnableCount(plan: EnginePlan): number {
  return plan.deckies.reduce((n, d) => n + runnable(d).length, 0)
}

async function runDetachedChild(flags: DeployFlags, portOffset: number): Promise<void> {
  const fleet = readFleetFile(flags.fleetFile as string)
  if (flags.logTarget) fleet.logTarget = flags.logTarget
  await registerCustom(fleet)
  await runForeground(fleet, { home: decnetHome(), portOffset, io: stdio, feed: false, sniff: flags.sniff })
}

interface ForegroundOptions {
  home: string
  portOffset: number
  io: Output
  /** Print the live event feed (off in the --detach child: the store has it). */
  feed: boolean
  /** Interface to fingerprint handshakes on (tcpdump; needs CAP_NET_RAW). */
  sniff?: string | undefined
}

async function runForeground(fleet: FleetConfig, o: ForegroundOptions): Promise<void> {
  const store = openStore(o.home)
  const ingester = new Ingester(store)
  const sinks: EventSink[] = [ingester]
  // held until the fleet is up: a refused deploy ends in one line, not in a feed
  const feed = o.feed ? new ConsoleFeed(o.io.out, { held: true }) : undefined
  if (feed) sinks.push(feed)
  const forwarder = fleet.logTarget ? await logTargetSink(fleet.logTarget) : undefined
  if (forwarder) sinks.push(forwarder)
  const sink = new FanoutSink(sinks, (e) => o.io.err(`decnet: event sink failed: ${e.message}`))
  const progress = (done: number, total: number) => {
    if (o.io.isTTY) process.stdout.write(`\rstarting ${done}/${total} services…`)
  }
  const engine = new LocalEngine({
    home: o.home,
    portOffset: o.portOffset,
    sink,
    onProgress: progress,
    log: (m) => o.io.err(`decnet: ${m}`),
    ...(fleet.logTarget ? { logTarget: fleet.logTarget } : {}),
    ...(process.env.DECNET_DETACHED ? { logPath: `${o.home}/decnet.log` } : {}),
  })
  let deployment
  try {
    deployment = await engine.deploy(fleet)
  } catch (e) {
    if (o.io.isTTY) process.stdout.write('\n')
    feed?.discard()
    await ingester.close()
    await forwarder?.close?.()
    throw e
  }
  if (o.io.isTTY) process.stdout.write('\r\x1b[K')
  const snap = deployment.runtime.snapshot()
  const up = snap.reduce((n, d) => n + d.services.filter((s) => s.state === 'running').length, 0)
  o.io.out(`${up} services up on ${snap.length} deckies`)
  for (const f of deployment.runtime.failing()) o.io.err(`decnet: ${f.decky}/${f.service} failed to start (retrying): ${f.error}`)
  const sniffer = o.sniff ? startFleetSniffer(o.sniff, fleet, sink, o.io) : undefined
  if (feed) {
    o.io.out('Events follow (Ctrl-C stops the fleet; decnet bounty shows credentials):')
    feed.release()
  }

  let signals = 0
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signals > 1) process.exit(130) // a second Ctrl-C: no more waiting
    o.io.err(`decnet: ${sig}: stopping ${snap.length} deckies…`)
    void deployment.stop()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // keep the event loop alive even if every service is in backoff
  const keepAlive = setInterval(() => {}, 1 << 30)
  await deployment.done
  clearInterval(keepAlive)
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)
  await sniffer?.stop()
  await ingester.close()
  await forwarder?.close?.()
  o.io.out('stopped.')
}

/** The fleet's own sniffer: fingerprints go through the same sinks as every event. A capture failure costs the sniffer, never the fleet. */
function startFleetSniffer(iface: string, fleet: FleetConfig, sink: EventSink, io: Output): LiveSniffer {
  const byIp = new Map(fleet.deckies.map((d) => [d.ip, d.name]))
  const live = startLiveSniffer({
    interface: iface,
    filter: fleetFilter([...byIp.keys()]),
    sink,
    resolveDecky: (ip) => byIp.get(ip),
    onLog: (line) => {
      if (!/^(listening on|\d+ packets)/.test(line)) io.err(`decnet: sniffer: ${line}`)
    },
  })
  live.done.catch((e: Error) => io.err(`decnet: sniffer stopped: ${e.message} (the fleet keeps running)`))
  return live
}

async function deployDocker(flags: DeployFlags, io: Output): Promise<void> {
  await loadServices()
  const fleet = await resolveFleet(fleetOptions(flags, 'docker'))
  await registerCustom(fleet)
  const engine = new DockerEngine({ output: flags.output ?? DEFAULT_COMPOSE_FILE, inlineSecrets: flags.inlineSecrets === true })
  const plan = await engine.plan(fleet)
  if (flags.dryRun) {
    const w = await engine.write(fleet)
    printPlan(plan)
    io.out(`wrote ${w.composePath}${w.secretFiles.length ? ` and ${w.secretFiles.length} secret env file(s) in ${w.secretFiles[0]?.replace(/\/[^/]*$/, '')}` : ''}`)
    return
  }
  const w = await engine.deploy(fleet)
  printPlan(plan)
  io.out(`deployed with docker compose (project decnet, ${w.composePath})`)
}

export function register(program: Command): void {
  program
    .command('deploy')
    .description('Deploy a fleet of deckies: on this host with the local engine (default; no root, no Docker), or as docker compose services')
    .addOption(new Option('--engine <engine>', 'local: every decky on its own address of this host; docker: compose file + docker compose (default for --dry-run)').choices(['local', 'docker']))
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
