// Tree and file commands (MS-SMB2 2.2.9–2.2.38): TREE_CONNECT to IPC$ and
// persona shares, CREATE / CLOSE / QUERY_DIRECTORY / QUERY_INFO / READ /
// WRITE over the read-only bait tree and the srvsvc pipe, IOCTL, ECHO.
import { randomBytes } from 'node:crypto'
import { Severity } from '../../events/event.js'
import { content, keepUpload, lookup, type BaitNode } from './bait.js'
import { CMD, DIALECT, FSCTL, MAX_OPENS, MAX_READ, MAX_TREES, SHARE_TYPE, SMB2_HEADER_SIZE, STATUS } from './constants.js'
import { errorBody } from './header.js'
import { dirEntry, fileInfo, fsInfo, attrsOf, allocOf } from './info.js'
import { handleRpc } from './rpc.js'
import type { AuthState, ConnState, Open, Reply, Request } from './state.js'
import { processMemoryBudget, refusalFields } from '../../runtime/memory-budget.js'
import { UploadBuffer } from '../../runtime/upload-buffer.js'

const B = SMB2_HEADER_SIZE
const STATUS_NO_SUCH_FILE = 0xc000000f
const STATUS_DISK_FULL = 0xc000007f
const PIPES = new Set(['srvsvc'])
const MAX_PATH_CHARS = 1024
const err = (status: number): Reply => ({ status, body: errorBody() })

function sized(structureSize: number, len: number): Buffer {
  const b = Buffer.alloc(len)
  b.writeUInt16LE(structureSize, 0)
  return b
}

/** A UTF-16 string at (offset, length) counted from the message start. */
function str16(m: Buffer, off: number, len: number): string | undefined {
  if (len === 0) return ''
  if (off + len > m.length || len > MAX_PATH_CHARS * 2) return undefined
  return m.subarray(off, off + (len & ~1)).toString('utf16le')
}

export function authedSession(c: ConnState, req: Request): AuthState | undefined {
  const a = c.sessions.get(req.hdr.sessionId)
  return a?.done ? a : undefined
}

/** TREE_CONNECT: 64 StructureSize(9) 66 Flags 68 PathOffset 70 PathLength. */
export function treeConnect(c: ConnState, req: Request): Reply {
  const a = authedSession(c, req)
  if (!a) return err(STATUS.USER_SESSION_DELETED)
  const m = req.msg
  if (m.length < B + 8) return err(STATUS.INVALID_PARAMETER)
  const path = str16(m, m.readUInt16LE(B + 4), m.readUInt16LE(B + 6))
  if (path === undefined) return err(STATUS.INVALID_PARAMETER)
  const name = path.split('\\').filter(Boolean).pop() ?? ''
  const share = c.env.shares.find((s) => s.name.toLowerCase() === name.toLowerCase())
  const deny = !share ? STATUS.BAD_NETWORK_NAME : share.admin || (a.anonymous && share.kind !== 'ipc') ? STATUS.ACCESS_DENIED : 0
  c.s.emit('tree_connect', { share: name, path, user: a.user ?? '', result: deny ? statusName(deny) : 'success' })
  if (deny || !share) return err(deny)
  if (c.trees.size >= MAX_TREES) return err(STATUS.REQUEST_NOT_ACCEPTED)
  const id = c.nextTreeId++
  c.trees.set(id, { id, sessionId: a.id, share })
  const b = sized(16, 16)
  b[2] = share.kind === 'ipc' ? SHARE_TYPE.PIPE : SHARE_TYPE.DISK
  b.writeUInt32LE(share.kind === 'ipc' ? 0x30 : 0x00, 4) // ShareFlags: IPC$ is NO_CACHING
  b.writeUInt32LE(0, 8)
  b.writeUInt32LE(share.kind === 'ipc' ? 0x001f00a9 : 0x001f01ff, 12) // MaximalAccess
  return { status: STATUS.SUCCESS, body: b, treeId: id }
}

export function treeDisconnect(c: ConnState, req: Request): Reply {
  if (!c.trees.delete(req.hdr.treeId)) return err(STATUS.NETWORK_NAME_DELETED)
  for (const [k, o] of c.opens) {
    if (o.treeId !== req.hdr.treeId) continue
    c.opens.delete(k)
    o.upload?.buf.close()
  }
  return { status: STATUS.SUCCESS, body: sized(4, 4) }
}

const DISPOSITION = ['supersede', 'open', 'create', 'open_if', 'overwrite', 'overwrite_if'] as const
const FILE_OPEN = 1
const FILE_OPEN_IF = 3
const FILE_OVERWRITE = 4
const FILE_DIRECTORY_FILE = 0x1
const FILE_CREATED = 2
const WRITE_ACCESS = 0x00000002 | 0x00000004 | 0x00010000 | 0x40000000 | 0x10000000 // WRITE_DATA APPEND DELETE GENERIC_WRITE GENERIC_ALL

/** CREATE: 88 DesiredAccess 100 CreateDisposition 104 CreateOptions 108 NameOffset 110 NameLength. */
export function create(c: ConnState, req: Request): Reply {
  const a = authedSession(c, req)
  if (!a) return err(STATUS.USER_SESSION_DELETED)
  const tree = c.trees.get(req.hdr.treeId)
  if (!tree) return err(STATUS.NETWORK_NAME_DELETED)
  const m = req.msg
  if (m.length < B + 56) return err(STATUS.INVALID_PARAMETER)
  const access = m.readUInt32LE(B + 24)
  const disposition = m.readUInt32LE(B + 36)
  const path = str16(m, m.readUInt16LE(B + 44), m.readUInt16LE(B + 46))
  if (path === undefined) return err(STATUS.OBJECT_NAME_INVALID)
  const clean = path.replace(/^[\\/]+/, '')
  const share = tree.share
  const event = (result: number, kind: string) =>
    c.s.emit('file_open', {
      share: share.name, path: clean, access: access.toString(16).padStart(8, '0'), disposition: DISPOSITION[disposition] ?? String(disposition),
      kind, user: a.user ?? '', result: result ? statusName(result) : 'success',
    })
  if (c.opens.size >= MAX_OPENS) return err(STATUS.REQUEST_NOT_ACCEPTED)
  let node: BaitNode | undefined
  let pipe: string | undefined
  if (share.kind === 'ipc') {
    pipe = clean.toLowerCase()
    if (!PIPES.has(pipe)) {
      event(STATUS.OBJECT_NAME_NOT_FOUND, 'pipe')
      return err(STATUS.OBJECT_NAME_NOT_FOUND)
    }
    event(0, 'pipe')
  } else {
    node = lookup(share.root, clean)
    const upload = !node && !share.admin && !a.anonymous && disposition !== FILE_OPEN && disposition !== FILE_OVERWRITE ? uploadTarget(share.root, clean, m.readUInt32LE(B + 40)) : undefined
    if (upload) {
      event(0, 'upload')
      const id = randomBytes(16)
      const t = BigInt(Date.now()) * 10000n + 116444736000000000n
      const temp: BaitNode = { name: upload.name, isDir: false, size: 0, created: t, modified: t, seed: `upload/${clean}` }
      c.opens.set(id.toString('hex'), {
        id, treeId: tree.id, share, path: clean, node: temp, pipeOut: [], listed: false,
        // what was written, by extent, reserved from the process budget; capped at the artifact per-file limit
        upload: { dir: upload.dir, name: upload.name, buf: new UploadBuffer(processMemoryBudget().lease(), c.env.ctx.artifacts.maxFileBytes) },
      })
      return createResponse(temp, id, FILE_CREATED)
    }
    const writes = (access & WRITE_ACCESS) !== 0 || (disposition !== FILE_OPEN && disposition !== FILE_OPEN_IF)
    const status = !node ? (disposition === FILE_OPEN ? STATUS.OBJECT_NAME_NOT_FOUND : STATUS.ACCESS_DENIED) : writes ? STATUS.ACCESS_DENIED : 0
    event(status, node?.isDir ? 'directory' : 'file')
    if (status) return err(status)
  }
  const id = randomBytes(16)
  const open: Open = { id, treeId: tree.id, share, path: clean, pipeOut: [], listed: false, ...(node ? { node } : {}), ...(pipe ? { pipe } : {}) }
  c.opens.set(id.toString('hex'), open)
  return createResponse(node, id, 1 /* FILE_OPENED */)
}

/** A new file in an existing directory of a persona share (not a directory, plain name). */
function uploadTarget(root: BaitNode, path: string, createOptions: number): { dir: BaitNode; name: string } | undefined {
  if (createOptions & FILE_DIRECTORY_FILE) return undefined
  const parts = path.split(/[\\/]+/).filter(Boolean)
  const name = parts.pop()
  if (!name || /[:*?"<>|]/.test(name) || name.length > 255) return undefined
  const dir = lookup(root, parts.join('\\'))
  return dir?.isDir ? { dir, name } : undefined
}

function createResponse(node: BaitNode | undefined, id: Buffer, action: number): Reply {
  const b = sized(89, 88 + 1)
  b.writeUInt32LE(action, 4)
  if (node) {
    b.writeBigUInt64LE(node.created, 8)
    b.writeBigUInt64LE(node.modified, 16)
    b.writeBigUInt64LE(node.modified, 24)
    b.writeBigUInt64LE(node.modified, 32)
    b.writeBigUInt64LE(allocOf(node), 40)
    b.writeBigUInt64LE(BigInt(node.size), 48)
    b.writeUInt32LE(attrsOf(node), 56)
  } else {
    b.writeBigUInt64LE(4096n, 40)
    b.writeUInt32LE(0x80, 56) // FILE_ATTRIBUTE_NORMAL
  }
  id.copy(b, 64)
  return { status: STATUS.SUCCESS, body: b, fileId: id }
}

function openOf(c: ConnState, req: Request, at: number): Open | undefined {
  if (req.msg.length < at + 16) return undefined
  let id = req.msg.subarray(at, at + 16)
  if (id.every((x) => x === 0xff) && req.relatedFileId) id = req.relatedFileId
  const o = c.opens.get(id.toString('hex'))
  return o && c.trees.has(o.treeId) ? o : undefined
}

/** CLOSE: 66 Flags 72 FileId. */
export function close(c: ConnState, req: Request): Reply {
  const o = openOf(c, req, B + 8)
  if (!o) return err(STATUS.FILE_CLOSED)
  c.opens.delete(o.id.toString('hex'))
  if (o.upload) finishUpload(c, req, o)
  const b = sized(60, 60)
  const flags = req.msg.readUInt16LE(B + 2)
  if (flags & 1 && o.node) {
    b.writeUInt16LE(1, 2)
    b.writeBigUInt64LE(o.node.created, 8)
    b.writeBigUInt64LE(o.node.modified, 16)
    b.writeBigUInt64LE(o.node.modified, 24)
    b.writeBigUInt64LE(o.node.modified, 32)
    b.writeBigUInt64LE(allocOf(o.node), 40)
    b.writeBigUInt64LE(BigInt(o.node.size), 48)
    b.writeUInt32LE(attrsOf(o.node), 56)
  }
  return { status: STATUS.SUCCESS, body: b }
}

function globToRegex(p: string): RegExp {
  const esc = p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.').replace(/</g, '.*').replace(/>/g, '.')
  return new RegExp(`^${esc}$`, 'i')
}

/** QUERY_DIRECTORY: 66 Class 67 Flags 72 FileId 88 NameOffset 90 NameLength 92 OutputBufferLength. */
export function queryDirectory(c: ConnState, req: Request): Reply {
  const o = openOf(c, req, B + 8)
  if (!o) return err(STATUS.FILE_CLOSED)
  const m = req.msg
  if (m.length < B + 32) return err(STATUS.INVALID_PARAMETER)
  if (!o.node?.isDir) return err(STATUS.INVALID_PARAMETER)
  const cls = m[B + 2] as number
  const flags = m[B + 3] as number
  const pattern = str16(m, m.readUInt16LE(B + 24), m.readUInt16LE(B + 26)) || '*'
  const maxOut = Math.min(m.readUInt32LE(B + 28), MAX_READ)
  if (flags & 0x11) o.listed = false // RESTART_SCANS | REOPEN
  if (o.listed) return err(STATUS.NO_MORE_FILES)
  const re = globToRegex(pattern)
  const entries: [string, BaitNode][] = [['.', o.node], ['..', o.node], ...(o.node.children ?? []).map((n): [string, BaitNode] => [n.name, n])]
  const matched = entries.filter(([name]) => re.test(name))
  if (matched.length === 0) {
    o.listed = true
    return err(STATUS_NO_SUCH_FILE)
  }
  const bufs: Buffer[] = []
  let total = 0
  for (let i = 0; i < matched.length; i++) {
    const [name, n] = matched[i] as [string, BaitNode]
    const e = dirEntry(cls, n, name, 0)
    if (!e) return err(STATUS.INVALID_PARAMETER) // STATUS_INVALID_INFO_CLASS on Windows
    const padded = Buffer.concat([e, Buffer.alloc((8 - (e.length % 8)) % 8)])
    if (total + e.length > maxOut) break
    bufs.push(padded)
    total += padded.length
    if (flags & 0x02) break // RETURN_SINGLE_ENTRY
  }
  if (bufs.length === 0) return err(STATUS.INFO_LENGTH_MISMATCH)
  for (let i = 0; i < bufs.length - 1; i++) (bufs[i] as Buffer).writeUInt32LE((bufs[i] as Buffer).length, 0)
  const last = bufs[bufs.length - 1] as Buffer
  bufs[bufs.length - 1] = last.subarray(0, last.length - ((8 - ((last.length) % 8)) % 8))
  o.listed = true
  c.s.emit('directory_list', { share: o.share.name, path: o.path, pattern, entries: bufs.length })
  return outputReply(Buffer.concat(bufs))
}

function outputReply(data: Buffer, status: number = STATUS.SUCCESS): Reply {
  const b = sized(9, 8)
  b.writeUInt16LE(B + 8, 2)
  b.writeUInt32LE(data.length, 4)
  return { status, body: Buffer.concat([b, data.length ? data : Buffer.alloc(1)]) }
}

/** QUERY_INFO: 66 InfoType 67 Class 68 OutputBufferLength 88 FileId. */
export function queryInfo(c: ConnState, req: Request): Reply {
  const o = openOf(c, req, B + 24)
  if (!o) return err(STATUS.FILE_CLOSED)
  const m = req.msg
  const infoType = m[B + 2] as number
  const cls = m[B + 3] as number
  const maxOut = m.readUInt32LE(B + 4)
  let data: Buffer | undefined
  const node = o.node ?? o.share.root
  if (infoType === 1) data = fileInfo(cls, node, o.path)
  else if (infoType === 2) data = fsInfo(cls, c.env.volume)
  if (!data) return err(STATUS.NOT_SUPPORTED)
  if (data.length > maxOut) {
    if (cls === 18 && infoType === 1 && maxOut >= 100) return outputReply(data.subarray(0, maxOut), STATUS.BUFFER_OVERFLOW)
    return err(STATUS.INFO_LENGTH_MISMATCH)
  }
  return outputReply(data)
}

/** READ: 68 Length 72 Offset 80 FileId. Response DataOffset 80. */
export function read(c: ConnState, req: Request): Reply {
  const o = openOf(c, req, B + 16)
  if (!o) return err(STATUS.FILE_CLOSED)
  const m = req.msg
  const len = Math.min(m.readUInt32LE(B + 4), MAX_READ)
  const offset = Number(m.readBigUInt64LE(B + 8))
  let data: Buffer
  let status: number = STATUS.SUCCESS
  if (o.pipe) {
    const pending = Buffer.concat(o.pipeOut)
    if (pending.length === 0) return err(STATUS.END_OF_FILE)
    data = pending.subarray(0, len)
    o.pipeOut = pending.length > len ? [pending.subarray(len)] : []
    if (pending.length > len) status = STATUS.BUFFER_OVERFLOW
  } else {
    if (!o.node || o.node.isDir) return err(STATUS.INVALID_DEVICE_REQUEST)
    if (offset >= o.node.size) return err(STATUS.END_OF_FILE)
    data = content(c.env.ctx, o.node).subarray(offset, offset + len)
    if (offset === 0) c.s.emit('file_read', { share: o.share.name, path: o.path, size: o.node.size, user: c.sessions.get(req.hdr.sessionId)?.user ?? '' })
  }
  const b = sized(17, 16)
  b[2] = B + 16
  b.writeUInt32LE(data.length, 4)
  return { status, body: Buffer.concat([b, data]) }
}

/** WRITE: 66 DataOffset 68 Length 80 FileId. Pipes feed DCE/RPC; files are read-only. */
export function write(c: ConnState, req: Request): Reply {
  const o = openOf(c, req, B + 16)
  if (!o) return err(STATUS.FILE_CLOSED)
  const m = req.msg
  const off = m.readUInt16LE(B + 2)
  const len = m.readUInt32LE(B + 4)
  if (off + len > m.length) return err(STATUS.INVALID_PARAMETER)
  if (o.upload) {
    const at = m.readBigUInt64LE(B + 8)
    const u = o.upload.buf
    // past 2^53 is past any cap: counted as truncated, nothing kept
    const ok = at > BigInt(Number.MAX_SAFE_INTEGER) ? (u.write(u.maxFileBytes, m.subarray(off, off + len)), true) : u.write(Number(at), m.subarray(off, off + len))
    if (o.node) o.node.size = Math.min(u.size, u.maxFileBytes)
    if (!ok) {
      // the process's upload memory is spent: this file gets DISK_FULL, other sessions go on
      if (u.refusals === 1) c.s.emit('resource_refused', { ...refusalFields('smb_upload', u.lastRefusal), share: o.share.name, path: o.path }, { severity: Severity.WARNING })
      return err(STATUS_DISK_FULL)
    }
    const b = sized(17, 17)
    b.writeUInt32LE(len, 4)
    return { status: STATUS.SUCCESS, body: b }
  }
  if (!o.pipe) return err(STATUS.ACCESS_DENIED)
  pipeInput(c, o, m.subarray(off, off + len))
  const b = sized(17, 17)
  b.writeUInt32LE(len, 4)
  return { status: STATUS.SUCCESS, body: b }
}

/** CLOSE of an upload: quarantine it as an artifact and show it in later listings. */
function finishUpload(c: ConnState, req: Request, o: Open): void {
  const u = o.upload
  if (!u) return
  const user = c.sessions.get(req.hdr.sessionId)?.user ?? ''
  const a = u.buf.assemble()
  if (!a) {
    c.s.emit('resource_refused', { ...refusalFields('smb_upload', u.buf.lastRefusal), share: o.share.name, path: o.path }, { severity: Severity.WARNING })
    c.s.emit('file_upload', { share: o.share.name, path: o.path, size: u.buf.size, truncated: true, stored: false, user }, { severity: Severity.NOTICE })
    u.buf.close()
    return
  }
  c.s.emit('file_upload', { share: o.share.name, path: o.path, size: a.data.length, truncated: a.truncated, user }, { severity: Severity.NOTICE })
  keepUpload(c.env.ctx, u.dir, u.name, a.data)
  c.env.ctx.artifacts
    .save({ name: u.name, data: a.data, truncated: a.truncated, originalSize: a.size, peer: c.s.peer, fields: { transport: 'smb', share: o.share.name, smb_path: o.path, smb_user: user } })
    .catch((e: Error) => c.env.ctx.log.warn(`smb artifact: ${e.message}`))
    .finally(() => u.buf.close())
}

/** The connection is gone: every upload still open gives its memory back (nothing is stored). */
export function releaseOpens(c: ConnState): void {
  for (const o of c.opens.values()) o.upload?.buf.close()
  c.opens.clear()
}

/** SET_INFO: allowed on an upload (end of file, times, disposition), denied elsewhere. */
export function setInfo(c: ConnState, req: Request): Reply {
  const o = openOf(c, req, B + 16)
  if (!o) return err(STATUS.FILE_CLOSED)
  if (!o.upload) return err(STATUS.ACCESS_DENIED)
  return { status: STATUS.SUCCESS, body: sized(2, 2) }
}

function pipeInput(c: ConnState, o: Open, data: Buffer): void {
  o.rpc ??= { name: o.pipe ?? '', bound: false }
  const r = handleRpc(o.rpc, data, { shares: c.env.shares, identity: c.env.identity, workstation: c.env.ctx.decky.osFamily === 'windows' })
  if (r.event) c.s.emit(r.event.type, r.event.fields)
  if (r.out) o.pipeOut.push(r.out)
}

/** IOCTL request: 68 CtlCode 72 FileId 88 InputOffset 92 InputCount 108 MaxOutputResponse 112 Flags.
 *  Response: 68 CtlCode 72 FileId 88 InputOffset 92 InputCount 96 OutputOffset 100 OutputCount 104 Flags. */
export function ioctl(c: ConnState, req: Request): Reply {
  const m = req.msg
  if (m.length < B + 56) return err(STATUS.INVALID_PARAMETER)
  const code = m.readUInt32LE(B + 4)
  const inOff = m.readUInt32LE(B + 24)
  const inLen = m.readUInt32LE(B + 28)
  const maxOut = m.readUInt32LE(B + 44)
  const input = inOff + inLen <= m.length ? m.subarray(inOff, inOff + inLen) : Buffer.alloc(0)
  const reply = (out: Buffer, status: number = STATUS.SUCCESS): Reply => {
    const b = sized(49, 48)
    b.writeUInt32LE(code, 4)
    m.copy(b, 8, B + 8, B + 24)
    b.writeUInt32LE(B + 48, 24) // InputOffset
    b.writeUInt32LE(0, 28) // InputCount
    b.writeUInt32LE(B + 48, 32) // OutputOffset
    b.writeUInt32LE(out.length, 36) // OutputCount
    return { status, body: Buffer.concat([b, out.length ? out : Buffer.alloc(0)]) }
  }
  switch (code) {
    case FSCTL.VALIDATE_NEGOTIATE_INFO: {
      if (c.dialect === DIALECT.SMB311) return { ...err(STATUS.ACCESS_DENIED), close: true }
      const out = Buffer.alloc(24)
      out.writeUInt32LE(c.capabilities, 0)
      c.env.serverGuid.copy(out, 4)
      out.writeUInt16LE(1, 20)
      out.writeUInt16LE(c.dialect, 22)
      return reply(out)
    }
    case FSCTL.DFS_GET_REFERRALS:
    case FSCTL.DFS_GET_REFERRALS_EX:
      return err(STATUS.NOT_FOUND)
    case FSCTL.PIPE_TRANSCEIVE: {
      const o = openOf(c, req, B + 8)
      if (!o?.pipe) return err(STATUS.INVALID_DEVICE_REQUEST)
      pipeInput(c, o, input)
      const pending = Buffer.concat(o.pipeOut)
      const out = pending.subarray(0, Math.min(maxOut, MAX_READ))
      o.pipeOut = pending.length > out.length ? [pending.subarray(out.length)] : []
      return reply(out, pending.length > out.length ? STATUS.BUFFER_OVERFLOW : STATUS.SUCCESS)
    }
    case FSCTL.QUERY_NETWORK_INTERFACE_INFO:
      return err(STATUS.NOT_SUPPORTED)
    default:
      return err(STATUS.INVALID_DEVICE_REQUEST)
  }
}

export const echo = (): Reply => ({ status: STATUS.SUCCESS, body: sized(4, 4) })
export const flush = (): Reply => ({ status: STATUS.SUCCESS, body: sized(4, 4) })

const STATUS_NAME: Readonly<Record<number, string>> = Object.freeze(
  Object.fromEntries(Object.entries(STATUS).map(([k, v]) => [v, k.toLowerCase()])),
)
export const statusName = (s: number): string => STATUS_NAME[s] ?? `0x${s.toString(16)}`

export const COMMAND_HANDLERS = {
  [CMD.TREE_CONNECT]: treeConnect,
  [CMD.TREE_DISCONNECT]: treeDisconnect,
  [CMD.CREATE]: create,
  [CMD.CLOSE]: close,
  [CMD.QUERY_DIRECTORY]: queryDirectory,
  [CMD.QUERY_INFO]: queryInfo,
  [CMD.READ]: read,
  [CMD.WRITE]: write,
  [CMD.IOCTL]: ioctl,
  [CMD.ECHO]: echo,
  [CMD.FLUSH]: flush,
  [CMD.SET_INFO]: setInfo,
} as const
