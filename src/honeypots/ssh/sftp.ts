// SFTP v3 (draft-ietf-secsh-filexfer-02) over the fake filesystem, on ssh2's
// server-side SFTP stream. Uploads are kept in memory (capped at the artifact
// store's per-file limit) and handed to `onUpload` on CLOSE; downloads read
// fake files. Nothing touches the host's disk except the artifact store.
import type { Attributes, FileEntry, SFTPWrapper } from 'ssh2'
import { resolvePath, splitPath, type FakeFs, type FsError, type FsNode } from '../shared/shell/fs.js'
import type { ShellUser } from '../shared/shell/persona.js'
import { modeString } from '../shared/shell/commands/files.js'
import type { MemoryLease, MemoryRefusal } from '../../runtime/memory-budget.js'
import { UploadBuffer } from '../../runtime/upload-buffer.js'

export const SFTP_LIMITS = Object.freeze({
  maxHandles: 64,
  maxReadBytes: 256 * 1024,
  maxNamesPerReaddir: 128,
  /** Upload bytes buffered at once on one sftp channel (all open handles), within the process budget. */
  maxBufferedBytes: 64 * 1024 * 1024,
})

// draft-ietf-secsh-filexfer-02 §7 status codes and §6.3 pflags
const STATUS = { OK: 0, EOF: 1, NO_SUCH_FILE: 2, PERMISSION_DENIED: 3, FAILURE: 4, OP_UNSUPPORTED: 8 } as const
const FXF = { READ: 0x01, WRITE: 0x02, APPEND: 0x04, CREAT: 0x08, TRUNC: 0x10, EXCL: 0x20 } as const
const S_IFDIR = 0o040000
const S_IFREG = 0o100000

export interface SftpUpload {
  path: string
  data: Buffer
  truncated: boolean
  /** Logical size (highest offset written), uncapped. */
  size: number
  /** Call once the upload is stored: gives its memory back to the budget. */
  done(): void
}

type Handle =
  | { kind: 'read'; path: string; data: Buffer }
  | { kind: 'write'; path: string; buf: UploadBuffer; append: boolean }
  | { kind: 'dir'; path: string; names: string[]; pos: number }

function attrsOf(n: FsNode): Attributes {
  const t = Math.floor(n.mtime.getTime() / 1000)
  return {
    mode: (n.kind === 'dir' ? S_IFDIR : S_IFREG) | (n.mode & 0o7777),
    uid: n.uid, gid: n.gid, size: n.kind === 'dir' ? 4096 : n.data.length, atime: t, mtime: t,
  }
}

function statusFor(e: FsError): number {
  return e === 'ENOENT' || e === 'ENOTDIR' ? STATUS.NO_SUCH_FILE : e === 'EACCES' ? STATUS.PERMISSION_DENIED : STATUS.FAILURE
}

const MESSAGE: Record<number, string> = {
  [STATUS.NO_SUCH_FILE]: 'No such file', [STATUS.PERMISSION_DENIED]: 'Permission denied', [STATUS.FAILURE]: 'Failure',
  [STATUS.OP_UNSUPPORTED]: 'Operation unsupported', [STATUS.EOF]: 'End of file', [STATUS.OK]: 'Success',
}

export function serveSftp(
  sftp: SFTPWrapper,
  o: {
    fs: FakeFs
    user: ShellUser
    maxFileBytes: number
    /** This channel's share of the process memory budget (released when the channel closes). */
    memory: MemoryLease
    onUpload(u: SftpUpload): void
    onOp(op: string, path: string): void
    /** A write was refused for memory (once per handle). */
    onRefused?(path: string, r: MemoryRefusal | undefined): void
  },
): void {
  const { fs, user } = o
  const handles = new Map<number, Handle>()
  let nextId = 1
  // the client went away: open uploads are dropped and give their memory back
  sftp.once('close', () => {
    for (const h of handles.values()) if (h.kind === 'write') h.buf.close()
    handles.clear()
    o.memory.close()
  })
  const abs = (p: string) => resolvePath(user.home, p || '.', user.home)
  const status = (id: number, code: number) => sftp.status(id, code, MESSAGE[code])
  const newHandle = (h: Handle): Buffer | undefined => {
    if (handles.size >= SFTP_LIMITS.maxHandles) return undefined
    const id = nextId++
    handles.set(id, h)
    const b = Buffer.alloc(4)
    b.writeUInt32BE(id)
    return b
  }
  const getHandle = (b: Buffer) => (b.length === 4 ? handles.get(b.readUInt32BE(0)) : undefined)
  const longname = (name: string, n: FsNode) =>
    `${modeString(n)}    1 ${n.uid === 0 ? 'root' : user.name} ${n.gid === 0 ? 'root' : user.name} ${String(n.kind === 'dir' ? 4096 : n.data.length).padStart(8)} ${n.mtime.toUTCString().slice(8, 11)} ${String(n.mtime.getUTCDate()).padStart(2)} ${n.mtime.toISOString().slice(11, 16)} ${name}`

  sftp.on('REALPATH', (id: number, path: string) => {
    const p = abs(path)
    sftp.name(id, [{ filename: p, longname: p, attrs: {} as Attributes }])
  })
  const stat = (id: number, path: string) => {
    const n = fs.lookup(abs(path), user)
    if (typeof n === 'string') return status(id, statusFor(n))
    sftp.attrs(id, attrsOf(n))
  }
  sftp.on('STAT', stat)
  sftp.on('LSTAT', stat)
  sftp.on('OPEN', (id: number, filename: string, flags: number) => {
    const p = abs(filename)
    o.onOp(flags & FXF.WRITE ? 'open_write' : 'open_read', p)
    if (flags & FXF.WRITE) {
      const existing = fs.lookup(p, user)
      if (typeof existing !== 'string' && existing.kind === 'dir') return status(id, STATUS.FAILURE)
      if (typeof existing !== 'string' && flags & FXF.EXCL) return status(id, STATUS.FAILURE)
      if (typeof existing === 'string' && !(flags & FXF.CREAT)) return status(id, statusFor(existing))
      const parent = fs.lookup(splitPath(p).dir, user)
      if (typeof parent === 'string') return status(id, statusFor(parent))
      const e = fs.writeFile(p, Buffer.alloc(0), user, { append: !(flags & FXF.TRUNC) })
      if (e) return status(id, statusFor(e))
      const buf = new UploadBuffer(o.memory.lease(), o.maxFileBytes)
      const h = newHandle({ kind: 'write', path: p, buf, append: (flags & FXF.APPEND) !== 0 })
      if (!h) buf.close()
      return h ? sftp.handle(id, h) : status(id, STATUS.FAILURE)
    }
    const data = fs.readFile(p, user)
    if (typeof data === 'string') return status(id, statusFor(data))
    const h = newHandle({ kind: 'read', path: p, data })
    return h ? sftp.handle(id, h) : status(id, STATUS.FAILURE)
  })
  sftp.on('WRITE', (id: number, hb: Buffer, offset: number, data: Buffer) => {
    const h = getHandle(hb)
    if (!h || h.kind !== 'write') return status(id, STATUS.FAILURE)
    // extents as written: a sparse write costs what it carries, not its offset;
    // past the per-file cap bytes are dropped (truncated), past the budget refused
    const at = h.append ? h.buf.size : offset
    if (h.buf.write(at, data)) return status(id, STATUS.OK)
    if (h.buf.refusals === 1) o.onRefused?.(h.path, h.buf.lastRefusal)
    status(id, STATUS.FAILURE)
  })
  sftp.on('READ', (id: number, hb: Buffer, offset: number, len: number) => {
    const h = getHandle(hb)
    if (!h || h.kind !== 'read') return status(id, STATUS.FAILURE)
    if (offset >= h.data.length) return status(id, STATUS.EOF)
    sftp.data(id, h.data.subarray(offset, offset + Math.min(len, SFTP_LIMITS.maxReadBytes)))
  })
  sftp.on('FSTAT', (id: number, hb: Buffer) => {
    const h = getHandle(hb)
    if (!h) return status(id, STATUS.FAILURE)
    const n = fs.lookup(h.path, user)
    if (typeof n === 'string') return status(id, statusFor(n))
    const a = attrsOf(n)
    if (h.kind === 'write') a.size = h.buf.size
    sftp.attrs(id, a)
  })
  sftp.on('FSETSTAT', (id: number) => status(id, STATUS.OK))
  sftp.on('SETSTAT', (id: number, path: string, attrs: Attributes) => {
    if (attrs && typeof attrs.mode === 'number') fs.chmod(abs(path), attrs.mode & 0o7777, user)
    status(id, STATUS.OK)
  })
  sftp.on('CLOSE', (id: number, hb: Buffer) => {
    const h = getHandle(hb)
    if (!h) return status(id, STATUS.FAILURE)
    handles.delete(hb.readUInt32BE(0))
    if (h.kind === 'write') {
      const a = h.buf.assemble()
      if (!a) {
        if (h.buf.refusals === 1) o.onRefused?.(h.path, h.buf.lastRefusal)
        h.buf.close()
        return status(id, STATUS.FAILURE)
      }
      fs.writeFile(h.path, a.data, user)
      const buf = h.buf
      o.onUpload({ path: h.path, data: a.data, truncated: a.truncated, size: a.size, done: () => buf.close() })
    }
    status(id, STATUS.OK)
  })
  sftp.on('OPENDIR', (id: number, path: string) => {
    const p = abs(path)
    const names = fs.list(p, user)
    if (typeof names === 'string') return status(id, statusFor(names))
    const h = newHandle({ kind: 'dir', path: p, names: ['.', '..', ...names], pos: 0 })
    return h ? sftp.handle(id, h) : status(id, STATUS.FAILURE)
  })
  sftp.on('READDIR', (id: number, hb: Buffer) => {
    const h = getHandle(hb)
    if (!h || h.kind !== 'dir') return status(id, STATUS.FAILURE)
    if (h.pos >= h.names.length) return status(id, STATUS.EOF)
    const batch = h.names.slice(h.pos, h.pos + SFTP_LIMITS.maxNamesPerReaddir)
    h.pos += batch.length
    const entries: FileEntry[] = []
    for (const name of batch) {
      const n = fs.lookup(name === '.' || name === '..' ? resolvePath(h.path, name) : `${h.path === '/' ? '' : h.path}/${name}`, user)
      if (typeof n === 'string') continue
      entries.push({ filename: name, longname: longname(name, n), attrs: attrsOf(n) })
    }
    sftp.name(id, entries)
  })
  sftp.on('MKDIR', (id: number, path: string) => {
    const e = fs.mkdir(abs(path), user)
    status(id, e ? statusFor(e) : STATUS.OK)
  })
  sftp.on('RMDIR', (id: number, path: string) => {
    const p = abs(path)
    const n = fs.lookup(p, user)
    const e = typeof n === 'string' ? n : n.kind !== 'dir' ? 'ENOTDIR' : fs.remove(p, user, { dirOk: true })
    status(id, e ? statusFor(e) : STATUS.OK)
  })
  sftp.on('REMOVE', (id: number, path: string) => {
    const e = fs.remove(abs(path), user)
    status(id, e ? statusFor(e) : STATUS.OK)
  })
  sftp.on('RENAME', (id: number, from: string, to: string) => {
    const e = fs.rename(abs(from), abs(to), user)
    status(id, e ? statusFor(e) : STATUS.OK)
  })
  sftp.on('READLINK', (id: number) => status(id, STATUS.NO_SUCH_FILE))
  sftp.on('SYMLINK', (id: number) => status(id, STATUS.PERMISSION_DENIED))
  sftp.on('EXTENDED', (id: number) => status(id, STATUS.OP_UNSUPPORTED))
}
