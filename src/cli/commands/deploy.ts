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
import { StartInterrupted, type Engine, type EngineName, type EnginePlan, type RunningDeployment } from '../../engines/engine.js'
import { checkEngineFlags, engineDescriptor, engineNames, type EngineDescriptor } from '../../engines/registry.js'
import { parsePortOffset } from '../../engines/local/ports.js'
import { readFleetFile } from '../../engines/fleet-file.js'
import { DEFAULT_COMPOSE_FILE } from '../../engines/docker/index.js'
import { FLEET_HEADERS, fleetRows, skippedSummary } from '../fleet-table.js'
import { ConsoleFeed } from '../feed.js'
import { exitAfterGrace } from '../process-exit.js'
import { printTable } from '../table.js'
import { isDead, onPipeGone, writeErr, writeOut } from '../terminal.js'
import { invokedAs, plural } from '../words.js'

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

export async function fleetOptions(flags: DeployFlags, engine: EngineDescriptor, seed?: Buffer): Promise<FleetOptions> {
  const o: FleetOptions = { engine: engine.addressing }
  if (seed) o.seed = seed
  if (flags.config !== undefined) o.config = flags.config
  const n = deckyCount(flags.deckies)
  if (n !== undefined) o.deckies = n
  const services = list(flags.services)
  if (services) o.services = services
  if (flags.randomizeServices) {
    o.randomizeServices = true
    const pool = await engine.randomPool?.()
    if (pool) o.servicePool = pool
  }
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
  out: (l) => writeOut(l + '\n'),
  err: (l) => writeErr(l + '\n'),
  get isTTY() {
    return process.stdout.isTTY === true && !isDead('stdout')
  },
}

/**
 * What stops a fleet that runs in this process: Ctrl-C, SIGTERM, or the
 * terminal's pipe going away (`| head`, a `| tee` killed by Ctrl-C). Before
 * the fleet is up it aborts the start-up; afterwards it stops the fleet. A
 * second signal exits at once.
 */
class Stopper {
  readonly #abort = new AbortController()
  #running: RunningDeployment | undefined
  #signals = 0
  /** The first reason: a signal name, or 'pipe'. */
  reason: string | undefined
  readonly #onSignal = (sig: NodeJS.Signals) => {
    if (++this.#signals > 1) process.exit(130) // a second Ctrl-C: no more waiting
    if (this.#running) this.#io.err(`decnet: ${sig}: stopping ${this.#running.snapshot().length} deckies…`)
    this.#request(sig)
  }

  constructor(io: Output) {
    this.#io = io
    process.on('SIGINT', this.#onSignal)
    process.on('SIGTERM', this.#onSignal)
    // a dead terminal: nobody reads the feed any more, and the fleet has no operator
    onPipeGone(() => this.#request('pipe'))
  }

  readonly #io: Output

  get signal(): AbortSignal {
    return this.#abort.signal
  }

  #request(reason: string): void {
    this.reason ??= reason
    if (this.#running) void this.#running.stop()
    else this.#abort.abort()
  }

  /** The fleet is up: from now on a stop request stops it (at once if one came in meanwhile). */
  running(r: RunningDeployment): void {
    this.#running = r
    if (this.reason !== undefined) void r.stop()
  }

  release(): void {
    process.off('SIGINT', this.#onSignal)
    process.off('SIGTERM', this.#onSignal)
    onPipeGone(undefined)
  }
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
  const fleet = child ? readFleetFile(flags.fleetFile as string) : await resolveFleet(await fleetOptions(flags, engine, readInstallSecret(home)))
  if (child && flags.logTarget) fleet.logTarget = flags.logTarget
  await registerCustom(fleet)
  const plan = await runner.plan(fleet)
  if (!child) printPlan(plan)
  if (flags.dryRun) {
    for (const line of await runner.preview(fleet, plan)) io.out(line)
    return
  }
  // the fleet runs in this process (foreground deploy, or the --detach child): this process stops it
  const stopper = engine.runsHere(flags.detach === true) ? new Stopper(io) : undefined
  try {
    await applyAndRun(runner, fleet, plan, child, stopper, io)
  } finally {
    stopper?.release()
  }
}

async function applyAndRun(runner: Engine, fleet: FleetConfig, plan: EnginePlan, child: boolean, stopper: Stopper | undefined, io: Output): Promise<void> {
  // held until the fleet is up: a refused deploy ends in one line, not in a feed
  const feed = child ? undefined : new ConsoleFeed(io.out, { held: true })
  let progressShown = false
  let applied
  try {
    applied = await runner.apply(fleet, plan, {
      ...(feed ? { feed } : {}),
      ...(stopper ? { signal: stopper.signal } : {}),
      onProgress: (done, total) => {
        if (!io.isTTY) return
        progressShown = true
        writeOut(`\rstarting ${done}/${total} services…`)
      },
      log: (line) => io.err(`decnet: ${line}`),
      relaunch: { entry: process.argv[1], execArgv: process.execArgv },
    })
  } catch (e) {
    if (progressShown) writeOut('\n')
    feed?.discard()
    exitAfterGrace() // a refused deploy ends too, whatever it had opened
    if (e instanceof StartInterrupted) {
      const why = stopper?.reason === 'pipe' ? 'the terminal went away' : (stopper?.reason ?? 'interrupted')
      io.err(`decnet: ${why} during start-up: stopped what had started; nothing is running`)
      process.exitCode = stopper?.reason === 'pipe' ? 0 : 130
      return
    }
    throw e
  }
  if (progressShown) writeOut('\r\x1b[K')
  for (const line of applied.notes) io.out(line)
  if (applied.running) await runUntilStopped(applied.running, feed, stopper, io)
}

/** The deckies run in this process: report them, show the feed, stop on Ctrl-C / SIGTERM / teardown / a dead terminal, then end. */
async function runUntilStopped(running: RunningDeployment, feed: ConsoleFeed | undefined, stopper: Stopper | undefined, io: Output): Promise<void> {
  const snap = running.snapshot()
  const up = snap.reduce((n, d) => n + d.services.filter((s) => s.state === 'running').length, 0)
  io.out(`${plural(up, 'service')} up on ${plural(snap.length, 'decky', 'deckies')}`)
  for (const f of running.failing()) io.err(`decnet: ${f.decky}/${f.service} failed to start (retrying): ${f.error}`)
  if (feed) {
    io.out(`Events follow (Ctrl-C stops the fleet; ${invokedAs()} bounty shows credentials):`)
    feed.release()
  }
  stopper?.running(running)
  // keep the event loop alive even if every service is in backoff
  const keepAlive = setInterval(() => {}, 1 << 30)
  await running.done
  clearInterval(keepAlive)
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
