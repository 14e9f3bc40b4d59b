// An in-memory filesystem the emulated shell and sftp see. Nothing here ever
// touches the host's disk. Bounded: total bytes and node count are capped, so
// an attacker filling it gets ENOSPC like a full disk.

export const FS_LIMITS = Object.freeze({
  /** Bytes of file content across the whole tree (one decky). */
  maxBytes: 16 * 1024 * 1024,
  maxNodes: 20_000,
  maxNameBytes: 255,
  maxPathBytes: 4096,
  maxDepth: 64,
})

export interface NodeMeta {
  mode: number
  uid: number
  gid: number
  mtime: Date
}
export interface FileNode extends NodeMeta {
  kind: 'file'
  data: Buffer
}
export interface DirNode extends NodeMeta {
  kind: 'dir'
  children: Map<string, FsNode>
}
export type FsNode = FileNode | DirNode

export type FsError = 'ENOENT' | 'ENOTDIR' | 'EISDIR' | 'EEXIST' | 'ENOSPC' | 'EACCES' | 'ENOTEMPTY' | 'EINVAL'

/** strerror() texts the coreutils messages use. */
export const FS_ERROR_TEXT: Readonly<Record<FsError, string>> = Object.freeze({
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EEXIST: 'File exists',
  ENOSPC: 'No space left on device',
  EACCES: 'Permission denied',
  ENOTEMPTY: 'Directory not empty',
  EINVAL: 'Invalid argument',
})

export interface Cred {
  uid: number
  gid: number
}

const ROOT: Cred = { uid: 0, gid: 0 }

/** Absolute, normalised path of `path` seen from `cwd` (no symlinks here). */
export function resolvePath(cwd: string, path: string, home = '/root'): string {
  let p = path
  if (p === '~' || p.startsWith('~/')) p = home + p.slice(1)
  const parts = (p.startsWith('/') ? p : `${cwd}/${p}`).split('/')
  const out: string[] = []
  for (const part of parts) {
    if (part === '' || part === '.') continue
    if (part === '..') out.pop()
    else out.push(part)
  }
  return '/' + out.join('/')
}

export function splitPath(abs: string): { dir: string; base: string } {
  const i = abs.lastIndexOf('/')
  return { dir: i <= 0 ? '/' : abs.slice(0, i), base: abs.slice(i + 1) }
}

function canAccess(node: FsNode, who: Cred, bit: 4 | 2 | 1): boolean {
  if (who.uid === 0) return true
  if (node.uid === who.uid) return (node.mode & (bit << 6)) !== 0
  if (node.gid === who.gid) return (node.mode & (bit << 3)) !== 0
  return (node.mode & bit) !== 0
}

export class FakeFs {
  readonly root: DirNode
  #bytes = 0
  #nodes = 1
  readonly #limits: typeof FS_LIMITS

  constructor(limits: typeof FS_LIMITS = FS_LIMITS) {
    this.#limits = limits
    this.root = { kind: 'dir', children: new Map(), mode: 0o755, uid: 0, gid: 0, mtime: new Date() }
  }

  get usedBytes(): number {
    return this.#bytes
  }

  /** The node at an absolute path, checking search permission on the way. */
  lookup(abs: string, who: Cred = ROOT): FsNode | FsError {
    if (abs.length > this.#limits.maxPathBytes) return 'EINVAL'
    let node: FsNode = this.root
    for (const part of abs.split('/')) {
      if (part === '') continue
      if (node.kind !== 'dir') return 'ENOTDIR'
      if (!canAccess(node, who, 1)) return 'EACCES'
      const next: FsNode | undefined = node.children.get(part)
      if (!next) return 'ENOENT'
      node = next
    }
    return node
  }

  #parentDir(abs: string, who: Cred): { dir: DirNode; base: string } | FsError {
    const { dir, base } = splitPath(abs)
    if (base === '') return 'EEXIST' // the root itself
    if (Buffer.byteLength(base) > this.#limits.maxNameBytes) return 'EINVAL'
    const parent = this.lookup(dir, who)
    if (typeof parent === 'string') return parent
    if (parent.kind !== 'dir') return 'ENOTDIR'
    return { dir: parent, base }
  }

  readFile(abs: string, who: Cred = ROOT): Buffer | FsError {
    const n = this.lookup(abs, who)
    if (typeof n === 'string') return n
    if (n.kind === 'dir') return 'EISDIR'
    if (!canAccess(n, who, 4)) return 'EACCES'
    return n.data
  }

  writeFile(abs: string, data: Buffer, who: Cred = ROOT, opts: { append?: boolean; mode?: number } = {}): FsError | undefined {
    const p = this.#parentDir(abs, who)
    if (typeof p === 'string') return p
    const existing = p.dir.children.get(p.base)
    if (existing?.kind === 'dir') return 'EISDIR'
    if (existing && !canAccess(existing, who, 2)) return 'EACCES'
    if (!existing && !canAccess(p.dir, who, 2)) return 'EACCES'
    if (existing && opts.append && data.length === 0) {
      existing.mtime = new Date()
      return undefined
    }
    const next = opts.append && existing ? Buffer.concat([existing.data, data]) : data
    const delta = next.length - (existing?.data.length ?? 0)
    if (this.#bytes + delta > this.#limits.maxBytes) return 'ENOSPC'
    if (!existing && this.#nodes >= this.#limits.maxNodes) return 'ENOSPC'
    this.#bytes += delta
    if (existing) {
      existing.data = next
      existing.mtime = new Date()
    } else {
      this.#nodes++
      p.dir.children.set(p.base, { kind: 'file', data: next, mode: opts.mode ?? 0o644, uid: who.uid, gid: who.gid, mtime: new Date() })
    }
    return undefined
  }

  mkdir(abs: string, who: Cred = ROOT, opts: { parents?: boolean; mode?: number } = {}): FsError | undefined {
    if (opts.parents) {
      const parts = abs.split('/').filter(Boolean)
      if (parts.length > this.#limits.maxDepth) return 'EINVAL'
      let cur = ''
      for (const part of parts) {
        cur += '/' + part
        const n = this.lookup(cur, who)
        if (typeof n !== 'string') {
          if (n.kind !== 'dir') return 'ENOTDIR'
          continue
        }
        const err = this.mkdir(cur, who, { mode: opts.mode })
        if (err) return err
      }
      return undefined
    }
    if (abs.split('/').length > this.#limits.maxDepth) return 'EINVAL'
    const p = this.#parentDir(abs, who)
    if (typeof p === 'string') return p
    if (p.dir.children.has(p.base)) return 'EEXIST'
    if (!canAccess(p.dir, who, 2)) return 'EACCES'
    if (this.#nodes >= this.#limits.maxNodes) return 'ENOSPC'
    this.#nodes++
    p.dir.children.set(p.base, { kind: 'dir', children: new Map(), mode: opts.mode ?? 0o755, uid: who.uid, gid: who.gid, mtime: new Date() })
    return undefined
  }

  remove(abs: string, who: Cred = ROOT, opts: { recursive?: boolean; dirOk?: boolean } = {}): FsError | undefined {
    const p = this.#parentDir(abs, who)
    if (typeof p === 'string') return p === 'EEXIST' ? 'EACCES' : p
    const n = p.dir.children.get(p.base)
    if (!n) return 'ENOENT'
    if (n.kind === 'dir') {
      if (!opts.recursive && !opts.dirOk) return 'EISDIR'
      if (!opts.recursive && n.children.size > 0) return 'ENOTEMPTY'
    }
    if (!canAccess(p.dir, who, 2)) return 'EACCES'
    p.dir.children.delete(p.base)
    this.#forget(n)
    return undefined
  }

  rename(from: string, to: string, who: Cred = ROOT): FsError | undefined {
    const src = this.#parentDir(from, who)
    if (typeof src === 'string') return src
    const n = src.dir.children.get(src.base)
    if (!n) return 'ENOENT'
    let target = to
    const t = this.lookup(to, who)
    if (typeof t !== 'string' && t.kind === 'dir') target = `${to === '/' ? '' : to}/${src.base}`
    const dst = this.#parentDir(target, who)
    if (typeof dst === 'string') return dst
    if (!canAccess(src.dir, who, 2) || !canAccess(dst.dir, who, 2)) return 'EACCES'
    const old = dst.dir.children.get(dst.base)
    if (old?.kind === 'dir') return 'EISDIR'
    if (old) this.#forget(old)
    src.dir.children.delete(src.base)
    dst.dir.children.set(dst.base, n)
    return undefined
  }

  chmod(abs: string, mode: number, who: Cred = ROOT): FsError | undefined {
    const n = this.lookup(abs, who)
    if (typeof n === 'string') return n
    if (who.uid !== 0 && who.uid !== n.uid) return 'EACCES'
    n.mode = mode & 0o7777
    return undefined
  }

  /** Sorted entry names of a directory. */
  list(abs: string, who: Cred = ROOT): string[] | FsError {
    const n = this.lookup(abs, who)
    if (typeof n === 'string') return n
    if (n.kind !== 'dir') return 'ENOTDIR'
    if (!canAccess(n, who, 4)) return 'EACCES'
    return [...n.children.keys()].sort()
  }

  #forget(n: FsNode): void {
    this.#nodes--
    if (n.kind === 'file') this.#bytes -= n.data.length
    else for (const c of n.children.values()) this.#forget(c)
  }
}
