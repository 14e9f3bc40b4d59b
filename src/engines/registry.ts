// The engines, by name. Commands reach an engine only through here: they
// parse flags, pick the engine (deploy --engine, or the one that state.json
// records), and render what the lifecycle returns. Each engine declares the
// deploy flags that are its alone; another engine refuses them in one line.
// A new engine (native) adds its name to EngineName and an entry here.
import { decnetHome } from '../runtime/paths.js'
import { UserError } from '../errors.js'
import { checkInterfaceName } from '../sniffer/live.js'
import type { Engine, EngineName } from './engine.js'
import { readState, statePath } from './state.js'
import { LocalEngine, emulatedServices } from './local/index.js'
import { DockerEngine, DEFAULT_COMPOSE_FILE } from './docker/index.js'

/** Deploy flags that belong to one engine. */
export type EngineFlag = 'address' | 'portOffset' | 'detach' | 'sniff' | 'output' | 'inlineSecrets'

/** The deploy options, parsed; each engine takes what it needs. */
export interface EngineOptions {
  home: string
  portOffset: number
  detach: boolean
  sniff?: string
  output?: string
  inlineSecrets: boolean
  /** teardown: how long a runner has to exit before SIGKILL (tests). */
  stopGraceMs?: number
}

export interface EngineDescriptor {
  readonly name: EngineName
  /** For `--engine` help. */
  readonly summary: string
  /** Deploy flags only this engine takes, each with the one line another engine refuses it with. */
  readonly flags: readonly { flag: EngineFlag; refusal: string }[]
  /** How the fleet resolver assigns addresses (src/config/fleet.ts). */
  readonly addressing: 'local' | 'docker'
  /** Validates this engine's options (beyond which flags it takes) and builds it. */
  create(o: EngineOptions): Engine
  /** Whether deploy runs the deckies in this process (so this process stops them on Ctrl-C). */
  runsHere(detach: boolean): boolean
  /** The services --randomize-services picks from; undefined: every decky service. */
  randomPool?(): Promise<string[]>
}

const LOCAL: EngineDescriptor = {
  name: 'local',
  summary: 'every decky on its own address of this host, in one process (no root, no Docker)',
  flags: [
    { flag: 'address', refusal: '--address is for the local engine; the docker engine takes --subnet/--ip-start' },
    { flag: 'portOffset', refusal: '--port-offset is for the local engine; containers own their addresses' },
    { flag: 'detach', refusal: '--detach is for the local engine; docker compose already runs in the background' },
    { flag: 'sniff', refusal: '--sniff is for the local engine; run decnet sniff --interface on the docker host' },
  ],
  addressing: 'local',
  runsHere: (detach) => !detach,
  // only services this engine can run: a random decky must listen on something
  randomPool: () => emulatedServices(),
  create(o) {
    if (o.sniff !== undefined) checkInterfaceName('--sniff', o.sniff)
    return new LocalEngine({
      home: o.home,
      portOffset: o.portOffset,
      ...(o.detach ? { detach: true } : {}),
      ...(o.sniff ? { sniff: o.sniff } : {}),
      ...(o.stopGraceMs !== undefined ? { stopGraceMs: o.stopGraceMs } : {}),
    })
  },
}

const OUTPUT_REFUSAL = '--output and --inline-secrets are for --engine docker (the local engine writes no compose file)'

const DOCKER: EngineDescriptor = {
  name: 'docker',
  summary: 'a compose file (written by --dry-run), run with docker compose',
  flags: [
    { flag: 'output', refusal: OUTPUT_REFUSAL },
    { flag: 'inlineSecrets', refusal: OUTPUT_REFUSAL },
  ],
  addressing: 'docker',
  runsHere: () => false,
  create(o) {
    return new DockerEngine({ home: o.home, output: o.output ?? DEFAULT_COMPOSE_FILE, inlineSecrets: o.inlineSecrets })
  },
}

export const ENGINES: { readonly [N in EngineName]: EngineDescriptor } = { local: LOCAL, docker: DOCKER }

export function engineNames(): EngineName[] {
  return Object.keys(ENGINES) as EngineName[]
}

function isEngineName(name: string): name is EngineName {
  return Object.hasOwn(ENGINES, name)
}

/** The engine called name; a flag error naming the choices otherwise. */
export function engineDescriptor(name: string): EngineDescriptor {
  if (!isEngineName(name)) throw new UserError('FLAG_INVALID', `--engine: "${name}" is not one of ${engineNames().join(', ')}`)
  return ENGINES[name]
}

/** Refuses, in one line, the first given flag that belongs to another engine and not to this one. */
export function checkEngineFlags(name: EngineName, given: Partial<Record<EngineFlag, unknown>>): void {
  const own = new Set(ENGINES[name].flags.map((f) => f.flag))
  for (const other of Object.values(ENGINES)) {
    if (other.name === name) continue
    for (const f of other.flags) {
      if (!own.has(f.flag) && given[f.flag]) throw new UserError('FLAG_INVALID', f.refusal)
    }
  }
}

/** The engine of the recorded deployment, or undefined when there is none. */
export function deployedEngine(home: string = decnetHome(), o: Partial<Omit<EngineOptions, 'home'>> = {}): Engine | undefined {
  const state = readState(home)
  if (!state) return undefined
  if (!isEngineName(state.engine)) {
    throw new UserError('STATE_MISSING', `${statePath(home)}: unknown engine "${state.engine}"; remove it if no deployment is running`)
  }
  return ENGINES[state.engine].create({ portOffset: 0, detach: false, inlineSecrets: false, ...o, home })
}
