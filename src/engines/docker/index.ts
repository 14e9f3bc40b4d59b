// The docker engine: writes the compose file (src/composer) and its secret
// env files, creates the MACVLAN/IPVLAN network the compose file expects,
// and runs `docker compose -p decnet -f FILE up -d --build`. --dry-run stops
// after writing. The compose command is $DECNET_COMPOSE_CMD, else
// `docker compose`, else `docker-compose`; the docker CLI for the network is
// $DECNET_DOCKER_CMD, else `docker`.
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { FleetConfig } from '../../config/model.js'
import { generateCompose, writeSecretFiles, LAN_NETWORK } from '../../composer/index.js'
import { getService, loadServices } from '../../services/registry.js'
import { CustomService } from '../../services/base.js'
import { decnetHome } from '../../runtime/paths.js'
import { readInstallSecret } from '../../runtime/install.js'
import { UserError } from '../../errors.js'
import type { Applied, Engine, EnginePlan, EngineStatus, PlannedDecky, PlannedPort, TeardownResult } from '../engine.js'
import { assertNoActiveDeployment, readState, recordStatus, removeState, withoutDeckies, writeState } from '../state.js'

export const COMPOSE_PROJECT = 'decnet'
export const DEFAULT_COMPOSE_FILE = 'decnet-compose.yml'

export interface DockerEngineOptions {
  home?: string
  /** Compose file to write; relative to the CWD. */
  output?: string
  inlineSecrets?: boolean
  /** Where secret env files go; default <home>/secrets. */
  secretsDir?: string
  /** Seeds the deckies (DECNET_DECKY_KEY); default the install secret of home. */
  installSecret?: Buffer
}

export interface WrittenCompose {
  composePath: string
  secretFiles: string[]
}

export class DockerEngine implements Engine {
  readonly name = 'docker' as const
  readonly home: string
  readonly composePath: string

  constructor(private readonly o: DockerEngineOptions = {}) {
    this.home = o.home ?? decnetHome()
    this.composePath = resolve(o.output ?? DEFAULT_COMPOSE_FILE)
  }

  async plan(fleet: FleetConfig): Promise<EnginePlan> {
    await loadServices()
    const custom = new Map(fleet.customServices.map((c) => [c.name, new CustomService(c.name, c.image, c.execCmd, c.ports)]))
    const deckies: PlannedDecky[] = fleet.deckies.map((d) => ({
      name: d.name,
      ip: d.ip,
      hostname: d.hostname,
      os: d.nmapOs || 'linux',
      distro: d.distro,
      services: d.services.map((name) => {
        const svc = custom.get(name) ?? getService(name)
        const ports: PlannedPort[] = [
          ...svc.ports.map((p): PlannedPort => ({ proto: 'tcp', declared: p, bound: p })),
          ...svc.udpPorts(svc.resolveConfig(d.serviceConfig[name] ?? {})).map((p): PlannedPort => ({ proto: 'udp', declared: p, bound: p })),
        ]
        return svc.fleetSingleton ? { name, ports, skip: 'fleet singleton' as const } : { name, ports }
      }),
    }))
    return { engine: 'docker', portOffset: 0, deckies, composePath: this.composePath }
  }

  /** --dry-run: writes the compose file and the secret env files, nothing else. */
  async preview(fleet: FleetConfig): Promise<string[]> {
    const w = await this.write(fleet)
    const dir = w.secretFiles[0]?.replace(/\/[^/]*$/, '')
    return [`wrote ${w.composePath}${w.secretFiles.length ? ` and ${w.secretFiles.length} secret env file(s) in ${dir}` : ''}`]
  }

  async apply(fleet: FleetConfig): Promise<Applied> {
    const w = await this.deploy(fleet)
    return { notes: [`deployed with docker compose (project ${COMPOSE_PROJECT}, ${w.composePath})`] }
  }

  /** The compose file and the secret env files, nothing else. */
  async write(fleet: FleetConfig): Promise<WrittenCompose> {
    await loadServices()
    const out = generateCompose(fleet, {
      ...(this.o.secretsDir ? { secretsDir: this.o.secretsDir } : {}),
      ...(this.o.inlineSecrets ? { inlineSecrets: true } : {}),
      installSecret: this.o.installSecret ?? readInstallSecret(this.home),
    })
    mkdirSync(dirname(this.composePath), { recursive: true })
    writeFileSync(this.composePath, out.yaml, { mode: this.o.inlineSecrets ? 0o600 : 0o644 })
    writeSecretFiles(out.secretFiles)
    return { composePath: this.composePath, secretFiles: [...out.secretFiles.keys()] }
  }

  async deploy(fleet: FleetConfig): Promise<WrittenCompose> {
    assertNoActiveDeployment(this.home)
    const written = await this.write(fleet)
    ensureNetwork(fleet)
    compose(['-f', written.composePath, 'up', '-d', '--build'])
    const now = new Date().toISOString()
    writeState({
      version: 1, engine: 'docker', phase: 'running', started_at: now, updated_at: now, port_offset: 0,
      compose_path: written.composePath, config: fleet,
      deckies: (await this.plan(fleet)).deckies.map((d) => ({
        name: d.name, ip: d.ip, hostname: d.hostname, os: d.os,
        services: d.services.map((s) => ({ name: s.name, state: s.skip ? 'skipped' as const : 'running' as const, ports: s.ports, restarts: 0 })),
      })),
      ...(fleet.logTarget ? { log_target: fleet.logTarget } : {}),
    }, this.home)
    return written
  }

  async status(): Promise<EngineStatus | undefined> {
    const state = readState(this.home)
    return state && recordStatus(state)
  }

  async teardown(names?: string[]): Promise<TeardownResult> {
    const state = readState(this.home)
    if (!state) throw new UserError('STATE_MISSING', 'No active deployment found.')
    const file = state.compose_path ?? this.composePath
    if (!names?.length) {
      compose(['-f', file, 'down', '--remove-orphans'])
      removeState(this.home)
      return { stopped: state.config.deckies.map((d) => d.name), all: true, via: 'docker compose down' }
    }
    for (const n of names) {
      const d = state.config.deckies.find((x) => x.name === n)
      if (!d) throw new UserError('FLAG_INVALID', `--id ${n}: no such decky`)
      const keys = [n, ...d.services.map((s) => `${n}-${s}`)]
      compose(['-f', file, 'stop', ...keys])
      compose(['-f', file, 'rm', '-f', ...keys])
    }
    const rest = withoutDeckies(state, names)
    writeState(rest, this.home)
    return { stopped: names, all: false }
  }
}

/** argv of the docker CLI. */
export function dockerCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  const custom = env.DECNET_DOCKER_CMD?.trim()
  return custom ? custom.split(/\s+/) : ['docker']
}

/** argv of the compose command. */
export function composeCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  const custom = env.DECNET_COMPOSE_CMD?.trim()
  if (custom) return custom.split(/\s+/)
  const [docker = 'docker', ...pre] = dockerCommand(env)
  const v2 = spawnSync(docker, [...pre, 'compose', 'version'], { stdio: 'ignore' })
  return v2.status === 0 ? [docker, ...pre, 'compose'] : ['docker-compose']
}

function run(argv: string[], what: string): void {
  const [cmd, ...args] = argv
  if (!cmd) throw new UserError('DEPLOY_FAILED', `${what}: empty command`)
  const r = spawnSync(cmd, args, { stdio: 'inherit' })
  if (r.error) throw new UserError('DEPLOY_FAILED', `${what}: cannot run ${cmd}: ${r.error.message}`)
  if (r.status !== 0) throw new UserError('DEPLOY_FAILED', `${what}: ${argv.join(' ')} exited with ${r.status}`)
}

function compose(args: string[]): void {
  run([...composeCommand(), '-p', COMPOSE_PROJECT, ...args], 'compose')
}

/** The external LAN network the compose file names (created once; reused when present). */
function ensureNetwork(fleet: FleetConfig): void {
  const [docker = 'docker', ...pre] = dockerCommand()
  const exists = spawnSync(docker, [...pre, 'network', 'inspect', LAN_NETWORK], { stdio: 'ignore' })
  if (exists.status === 0) return
  if (!fleet.interface || !fleet.subnet) {
    throw new UserError('DEPLOY_FAILED', `network ${LAN_NETWORK}: need --interface and --subnet to create it`)
  }
  const args = ['network', 'create', '-d', fleet.ipvlan ? 'ipvlan' : 'macvlan', '--subnet', fleet.subnet, '-o', `parent=${fleet.interface}`]
  if (fleet.gateway) args.push('--gateway', fleet.gateway)
  if (fleet.ipvlan) args.push('-o', 'ipvlan_mode=l2')
  run([docker, ...pre, ...args, LAN_NETWORK], 'network')
}
