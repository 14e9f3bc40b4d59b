// Quarantine for what attackers upload: content-addressed, size-capped,
// names sanitized. Layout: <root>/<decky>/<service>/<UTC time>_<sha12>_<safe name>
import { createHash } from 'node:crypto'
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ArtifactInput, ArtifactRecord, ArtifactStore, EventLog } from './context.js'

export interface ArtifactCaps {
  /** Largest file kept; bigger uploads are truncated to this and marked. */
  maxFileBytes: number
  /** Total bytes kept per decky; past it, uploads are logged but not stored. */
  maxDeckyBytes: number
}

export const DEFAULT_ARTIFACT_CAPS: Readonly<ArtifactCaps> = Object.freeze({
  maxFileBytes: 50 * 1024 * 1024,
  maxDeckyBytes: 512 * 1024 * 1024,
})

const MAX_NAME = 100

/** A basename safe on any filesystem: no separators, no dot-dot, no control bytes. */
export function safeName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? ''
  const cleaned = base.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '').slice(0, MAX_NAME)
  return cleaned || 'unnamed'
}

/** 2026-11-28T01:02:03Z — sorts by time, valid in a file name. */
export function quarantineStamp(d = new Date()): string {
  return d.toISOString().slice(0, 19) + 'Z'
}

/** Per-decky byte usage, shared by every service of that decky. */
export class DeckyQuota {
  #used: number | undefined
  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}
  async used(): Promise<number> {
    if (this.#used === undefined) this.#used = await dirSize(this.dir)
    return this.#used
  }
  async reserve(n: number): Promise<boolean> {
    const used = await this.used()
    if (used + n > this.maxBytes) return false
    this.#used = used + n
    return true
  }
}

async function dirSize(dir: string): Promise<number> {
  let total = 0
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch {
    return 0
  }
  for (const e of entries) {
    const p = join(dir, e.name)
    if (e.isDirectory()) total += await dirSize(p)
    else if (e.isFile()) total += (await stat(p)).size
  }
  return total
}

export class FileArtifactStore implements ArtifactStore {
  readonly maxFileBytes: number
  constructor(
    private readonly serviceDir: string,
    private readonly quota: DeckyQuota,
    private readonly events: EventLog,
    caps: ArtifactCaps = DEFAULT_ARTIFACT_CAPS,
  ) {
    this.maxFileBytes = caps.maxFileBytes
  }

  reserve(n: number): Promise<boolean> {
    return this.quota.reserve(n)
  }

  async save(input: ArtifactInput): Promise<ArtifactRecord | undefined> {
    // one truncation flag for the event and the store's row: the emulator's
    // (it stopped buffering), an http body cut short (`fields.truncated`), or ours
    const cut = input.data.length > this.maxFileBytes
    const data = cut ? input.data.subarray(0, this.maxFileBytes) : input.data
    const truncated = cut || input.truncated === true || input.fields?.truncated === true || input.fields?.truncated === 'true'
    const origSize = Math.max(input.originalSize ?? 0, input.data.length)
    const sha256 = createHash('sha256').update(data).digest('hex')
    const name = safeName(input.name)
    const peerFields = input.peer ? { src_ip: input.peer.ip, src_port: input.peer.port } : {}
    const common = {
      ...peerFields, ...input.fields, name: input.name.slice(0, 512), sha256, size: data.length, truncated,
      ...(truncated && origSize > data.length ? { orig_size: origSize } : {}),
    }

    await mkdir(this.serviceDir, { recursive: true, mode: 0o750 })
    const existing = (await readdir(this.serviceDir)).find((f) => f.includes(`_${sha256.slice(0, 12)}_`))
    if (existing) {
      const path = join(this.serviceDir, existing)
      this.events.emit('artifact', { ...common, stored_as: existing, path, duplicate: true })
      return { sha256, size: data.length, storedAs: existing, path, truncated }
    }
    if (!(await this.quota.reserve(data.length))) {
      this.events.emit('artifact_dropped', { ...common, reason: 'decky_quota' }, { severity: 4 })
      return undefined
    }
    const storedAs = `${quarantineStamp()}_${sha256.slice(0, 12)}_${name}`
    const path = join(this.serviceDir, storedAs)
    await writeFile(path, data, { mode: 0o640, flag: 'wx' })
    this.events.emit('artifact', { ...common, stored_as: storedAs, path })
    return { sha256, size: data.length, storedAs, path, truncated }
  }
}
