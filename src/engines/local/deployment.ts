// A running local deployment: the runtime, the state file kept current, and
// the control channel `decnet teardown` talks to. Lives in the process that
// runs the deckies (foreground `decnet deploy` or its --detach child).
import type { Server } from 'node:net'
import type { FleetConfig } from '../../config/model.js'
import type { EnginePlan } from '../engine.js'
import { readState, removeState, withoutDeckies, writeState, type DeploymentRecord } from '../state.js'
import { processStartTime } from '../runner-process.js'
import { closeControlServer, controlSocketPath, startControlServer, type ControlReply, type ControlRequest } from './control.js'
import type { LocalRuntime } from './runtime.js'

/** How often the state file picks up restarts and backoffs. */
export const STATE_REFRESH_MS = 2_000

export interface DeploymentOptions {
  home: string
  logPath?: string
  logTarget?: string
  /**
   * Keep the record (phase 'stopping') after stop() until release(): the
   * runner process releases it last, so that `decnet status` never shows the
   * fleet gone while its runner still runs.
   */
  keepRecord?: boolean
}

export class LocalDeployment {
  readonly done: Promise<void>
  #resolveDone!: () => void
  #state: DeploymentRecord
  #control: { server: Server; path: string } | undefined
  #refresh: NodeJS.Timeout | undefined
  #stopping: Promise<void> | undefined

  constructor(
    readonly runtime: LocalRuntime,
    fleet: FleetConfig,
    plan: EnginePlan,
    private readonly o: DeploymentOptions,
  ) {
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve
    })
    const now = new Date().toISOString()
    this.#state = {
      version: 1,
      engine: 'local',
      phase: 'starting',
      pid: process.pid,
      ...pidStart(),
      started_at: now,
      updated_at: now,
      port_offset: plan.portOffset,
      ...(o.logPath ? { log_path: o.logPath } : {}),
      ...(o.logTarget ? { log_target: o.logTarget } : {}),
      config: fleet,
      deckies: [],
    }
  }

  get state(): DeploymentRecord {
    return this.#state
  }

  /** Claims the state file before services start (so a second deploy sees us). */
  claim(): void {
    writeState(this.#state, this.o.home)
  }

  /** After the runtime started: control channel up, state 'running'. */
  async ready(): Promise<void> {
    const path = controlSocketPath(this.o.home)
    if (path) {
      const server = await startControlServer(path, (req) => this.#onControl(req))
      this.#control = { server, path }
      this.#state.control_socket = path
    }
    this.#state.phase = 'running'
    this.save()
    this.#refresh = setInterval(() => this.save(), STATE_REFRESH_MS)
    this.#refresh.unref()
  }

  /** Writes the current service states (only while this process owns the file). */
  save(): void {
    if (this.#stopping) return
    const onDisk = safeRead(this.o.home)
    if (onDisk && onDisk.pid !== process.pid) return
    this.#state = { ...this.#state, deckies: this.runtime.snapshot() }
    writeState(this.#state, this.o.home)
  }

  async #onControl(req: ControlRequest): Promise<ControlReply> {
    if (req.op === 'ping') return { ok: true, remaining: this.runtime.deckyNames }
    if (req.op === 'stop') {
      setImmediate(() => void this.stop())
      return { ok: true, remaining: [] }
    }
    if (!(await this.runtime.stopDecky(req.name))) {
      return { ok: false, error: `no decky named ${req.name}`, remaining: this.runtime.deckyNames }
    }
    this.#state = withoutDeckies(this.#state, [req.name])
    const remaining = this.runtime.deckyNames
    if (remaining.length === 0) setImmediate(() => void this.stop())
    else this.save()
    return { ok: true, remaining }
  }

  /** Stops every decky, closes the control channel, removes the state file (unless keepRecord). Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearInterval(this.#refresh)
      const onDisk = safeRead(this.o.home)
      if (onDisk?.pid === process.pid) writeState({ ...this.#state, phase: 'stopping' }, this.o.home)
      try {
        await this.runtime.stop()
      } finally {
        if (this.#control) await closeControlServer(this.#control.server, this.#control.path)
        if (!this.o.keepRecord) this.release()
        this.#resolveDone()
      }
    })()
    return this.#stopping
  }

  /** Removes the record if it is still this process's. */
  release(): void {
    if (safeRead(this.o.home)?.pid === process.pid) removeState(this.o.home)
  }
}

function pidStart(): { pid_start?: number } {
  const t = processStartTime(process.pid)
  return t === undefined ? {} : { pid_start: t }
}

function safeRead(home: string): DeploymentRecord | undefined {
  try {
    return readState(home)
  } catch {
    return undefined
  }
}
