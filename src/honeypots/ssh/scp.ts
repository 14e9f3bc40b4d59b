// The legacy scp protocol (`scp -O`, and `scp -t` exec requests from bots):
// sink mode only stores what is sent; source mode serves fake files.
// Messages: C<mode> <size> <name>\n, D<mode> 0 <name>\n, E\n, T<m> 0 <a> 0\n;
// every step is acknowledged with a 0 byte (OpenSSH scp.c).
import { FS_ERROR_TEXT, resolvePath, splitPath, type FakeFs } from '../shared/shell/fs.js'
import type { ShellUser } from '../shared/shell/persona.js'
import { MemoryBudget, type MemoryLease, type MemoryRefusal } from '../../runtime/memory-budget.js'
import { UploadBuffer } from '../../runtime/upload-buffer.js'

export const SCP_LIMITS = Object.freeze({
  maxHeaderBytes: 1024,
  maxFiles: 256,
  maxDepth: 16,
})

export interface ScpFile {
  path: string
  name: string
  data: Buffer
  truncated: boolean
  /** Size the sender announced. */
  size: number
  /** Call once the file is stored: gives its memory back to the budget. */
  done(): void
}

export interface ScpIo {
  write(b: Buffer | string): void
  /** A file arrived completely. */
  file(f: ScpFile): void
  /** The sink is done (protocol end or error); status for exit-status. */
  end(status: number): void
  /** A file's bytes could not be buffered (the memory budget is spent); the transfer fails with ENOSPC. */
  refused?(path: string, r: MemoryRefusal | undefined): void
}

export interface ScpArgs {
  mode: 'sink' | 'source' | 'none'
  target: string
  recursive: boolean
}

/** `scp [-v -r -p -d] -t|-f <path>` as sshd receives it. */
export function parseScpCommand(cmd: string): ScpArgs | undefined {
  const words = cmd.trim().split(/\s+/)
  if (words[0] !== 'scp' && !words[0]?.endsWith('/scp')) return undefined
  let mode: ScpArgs['mode'] = 'none'
  let recursive = false
  const rest: string[] = []
  for (const w of words.slice(1)) {
    if (w === '--') continue
    if (w.startsWith('-')) {
      if (w.includes('t')) mode = 'sink'
      if (w.includes('f')) mode = 'source'
      if (w.includes('r')) recursive = true
    } else rest.push(w)
  }
  if (mode === 'none') return undefined
  return { mode, target: rest.join(' ').replace(/^(['"])(.*)\1$/, '$2') || '.', recursive }
}

/** Receives files pushed to us (`scp -t`). */
export class ScpSink {
  #buf = Buffer.alloc(0)
  #dirs: string[] = []
  #current: { name: string; size: number; buf: UploadBuffer; have: number; path: string } | undefined
  #files = 0
  #done = false
  readonly #memory: MemoryLease

  constructor(
    readonly fs: FakeFs,
    readonly user: ShellUser,
    readonly target: string,
    readonly cwd: string,
    readonly maxFileBytes: number,
    readonly io: ScpIo,
    /** Where file bytes are reserved from (the process budget); default: a private unlimited one. */
    memory?: MemoryLease,
  ) {
    this.#memory = memory ?? new MemoryBudget(Infinity).lease()
    this.io.write(Buffer.from([0]))
  }

  #dest(name: string): string {
    const base = this.#dirs.length ? this.#dirs[this.#dirs.length - 1] as string : resolvePath(this.cwd, this.target, this.user.home)
    const n = this.fs.lookup(base, this.user)
    if (this.#dirs.length || (typeof n !== 'string' && n.kind === 'dir')) return `${base === '/' ? '' : base}/${name}`
    return base
  }

  #fail(msg: string): void {
    this.io.write(Buffer.concat([Buffer.from([1]), Buffer.from(`scp: ${msg}\n`)]))
    this.#finish(1)
  }

  #finish(status: number): void {
    if (this.#done) return
    this.#done = true
    this.#current?.buf.close()
    this.#current = undefined
    this.io.end(status)
  }

  /** The channel closed: whatever is still buffered gives its memory back. */
  close(): void {
    this.#current?.buf.close()
    this.#current = undefined
    this.#done = true
  }

  feed(chunk: Buffer): void {
    if (this.#done) return
    this.#buf = Buffer.concat([this.#buf, chunk])
    while (!this.#done && this.#buf.length > 0) {
      const cur = this.#current
      if (cur) {
        // file body, then one 0 byte from the sender
        const need = cur.size - cur.have
        if (need > 0) {
          const take = this.#buf.subarray(0, need)
          this.#buf = this.#buf.subarray(take.length)
          // past the per-file cap the buffer only counts (truncated); past the memory budget: ENOSPC
          if (!cur.buf.write(cur.have, take)) {
            this.io.refused?.(cur.path, cur.buf.lastRefusal)
            return this.#fail(`${cur.path}: No space left on device`)
          }
          cur.have += take.length
          continue
        }
        this.#buf = this.#buf.subarray(1)
        this.#current = undefined
        const a = cur.buf.assemble()
        if (!a) {
          this.io.refused?.(cur.path, cur.buf.lastRefusal)
          cur.buf.close()
          return this.#fail(`${cur.path}: No space left on device`)
        }
        this.fs.writeFile(cur.path, a.data, this.user)
        this.io.file({ path: cur.path, name: cur.name, data: a.data, truncated: a.truncated || cur.size > a.data.length, size: cur.size, done: () => cur.buf.close() })
        this.io.write(Buffer.from([0]))
        continue
      }
      const nl = this.#buf.indexOf(0x0a)
      if (nl < 0) {
        if (this.#buf.length > SCP_LIMITS.maxHeaderBytes) this.#fail('protocol error: header too long')
        return
      }
      const line = this.#buf.toString('utf8', 0, nl)
      this.#buf = this.#buf.subarray(nl + 1)
      this.#header(line)
    }
  }

  #header(line: string): void {
    const kind = line[0]
    if (kind === 'T') {
      this.io.write(Buffer.from([0]))
      return
    }
    if (kind === 'E') {
      this.#dirs.pop()
      this.io.write(Buffer.from([0]))
      return
    }
    const m = /^([CD])([0-7]{4}) (\d{1,15}) (.+)$/.exec(line)
    if (!m || (m[4] as string).includes('/') || m[4] === '..' || m[4] === '.') {
      this.#fail(kind === '\x01' || kind === '\x02' ? 'remote error' : 'protocol error: bad header')
      return
    }
    const name = m[4] as string
    const path = this.#dest(name)
    if (m[1] === 'D') {
      if (this.#dirs.length >= SCP_LIMITS.maxDepth) return this.#fail('protocol error: too deep')
      const e = this.fs.mkdir(path, this.user)
      if (e && e !== 'EEXIST') return this.#fail(`${path}: ${FS_ERROR_TEXT[e]}`)
      this.#dirs.push(path)
      this.io.write(Buffer.from([0]))
      return
    }
    if (++this.#files > SCP_LIMITS.maxFiles) return this.#fail('protocol error: too many files')
    const parent = this.fs.lookup(splitPath(path).dir, this.user)
    if (typeof parent === 'string') return this.#fail(`${path}: ${FS_ERROR_TEXT[parent]}`)
    this.#current = { name, size: Number(m[3]), buf: new UploadBuffer(this.#memory.lease(), this.maxFileBytes), have: 0, path }
    this.io.write(Buffer.from([0]))
  }

  /** Client closed its side. */
  eof(): void {
    this.#finish(this.#current ? 1 : 0)
  }
}

/** Sends one fake file (`scp -f path`); returns the bytes to write, or an error line. */
export function scpSource(fs: FakeFs, user: ShellUser, cwd: string, target: string): { header: Buffer; body: Buffer } | string {
  const abs = resolvePath(cwd, target, user.home)
  const data = fs.readFile(abs, user)
  if (typeof data === 'string') return `scp: ${target}: ${FS_ERROR_TEXT[data]}\n`
  const n = fs.lookup(abs, user)
  const mode = typeof n !== 'string' ? (n.mode & 0o777).toString(8).padStart(4, '0') : '0644'
  return { header: Buffer.from(`C${mode} ${data.length} ${splitPath(abs).base}\n`), body: Buffer.concat([data, Buffer.from([0])]) }
}
