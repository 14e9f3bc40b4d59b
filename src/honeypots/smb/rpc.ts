// DCE/RPC over the \PIPE\srvsvc named pipe (C706 ch. 12, MS-RPCE, MS-SRVS):
// bind → bind_ack, and NetrShareEnum (opnum 15) levels 0 and 1; anything
// else gets a fault. Just enough for `smbclient -L` and impacket's `shares`.
import type { WindowsIdentity } from '../shared/windows-identity.js'
import type { Share } from './bait.js'

export interface RpcEnv {
  shares: Share[]
  identity: WindowsIdentity
  /** Workstation persona (SV_TYPE without SERVER_NT). */
  workstation: boolean
}

const PTYPE = Object.freeze({ REQUEST: 0, RESPONSE: 2, FAULT: 3, BIND: 11, BIND_ACK: 12, BIND_NAK: 13, ALTER_CONTEXT: 14, ALTER_CONTEXT_RESP: 15 })
const PFC_FIRST_LAST = 0x03
const PFC_OBJECT_UUID = 0x80
const MAX_FRAG = 4280
const NCA_S_OP_RNG_ERROR = 0x1c010002
const NCA_S_PROTO_ERROR = 0x1c01000b
const WERR_INVALID_LEVEL = 0x7c
const WERR_ACCESS_DENIED = 0x5
/** Levels Windows only serves to administrators (MS-SRVS 3.1.4.8). */
const ADMIN_LEVELS = new Set([2, 502, 503])
const OPNUM_NETR_SHARE_ENUM = 15
const OPNUM_NETR_SERVER_GET_INFO = 21

/** 4b324fc8-1670-01d3-1278-5a47bf6ee188 v3.0 */
const SRVSVC_UUID = Buffer.from('c84f324b7016d30112785a47bf6ee188', 'hex')
/** NDR 8a885d04-1ceb-11c9-9fe8-08002b104860 v2 */
const NDR_SYNTAX = Buffer.from('045d888aeb1cc9119fe808002b10486002000000', 'hex')
/** Bind-time feature negotiation 6cb71c2c-9812-4540-… (MS-RPCE 3.3.1.5.3) */
const BTFN_PREFIX = Buffer.from('2c1cb76c12984045', 'hex')

export interface RpcPipe {
  name: string
  bound: boolean
  contextId?: number
}

function header(ptype: number, callId: number, body: Buffer): Buffer {
  const h = Buffer.alloc(16)
  h[0] = 5
  h[1] = 0
  h[2] = ptype
  h[3] = PFC_FIRST_LAST
  h.writeUInt32LE(0x10, 4) // little-endian, ASCII, IEEE
  h.writeUInt16LE(16 + body.length, 8)
  h.writeUInt32LE(callId, 12)
  return Buffer.concat([h, body])
}

function fault(callId: number, status: number): Buffer {
  const b = Buffer.alloc(16)
  b.writeUInt32LE(status, 8)
  return header(PTYPE.FAULT, callId, b)
}

export interface RpcResult {
  out?: Buffer
  /** Event to emit: name + fields. */
  event?: { type: string; fields: Record<string, string | number> }
}

/** One whole PDU from the client → the reply PDU (bytes the next READ returns). */
export function handleRpc(pipe: RpcPipe, pdu: Buffer, env: RpcEnv): RpcResult {
  if (pdu.length < 16 || pdu[0] !== 5 || pdu.readUInt16LE(8) > pdu.length) return {}
  const ptype = pdu[2] as number
  const callId = pdu.readUInt32LE(12)
  const fragLen = pdu.readUInt16LE(8)
  const p = pdu.subarray(0, fragLen)
  if (ptype === PTYPE.BIND || ptype === PTYPE.ALTER_CONTEXT) return { out: bindAck(pipe, p, callId, ptype === PTYPE.BIND) }
  if (ptype === PTYPE.REQUEST) {
    if (!pipe.bound || p.length < 24 || (((p[3] as number) & PFC_FIRST_LAST)) !== PFC_FIRST_LAST) return { out: fault(callId, NCA_S_PROTO_ERROR) }
    const ctxId = p.readUInt16LE(20)
    const opnum = p.readUInt16LE(22)
    const stub = p.subarray((p[3] as number) & PFC_OBJECT_UUID ? 40 : 24)
    const respond = (body: Buffer) => {
      const resp = Buffer.alloc(8)
      resp.writeUInt32LE(body.length, 0)
      resp.writeUInt16LE(ctxId, 4)
      return header(PTYPE.RESPONSE, callId, Buffer.concat([resp, body]))
    }
    const level = serverNameThenLevel(stub)
    if (opnum === OPNUM_NETR_SHARE_ENUM) {
      return {
        out: respond(shareEnumResponse(level, env.shares)),
        event: { type: 'share_enum', fields: { pipe: pipe.name, level: level ?? -1, count: env.shares.length } },
      }
    }
    if (opnum === OPNUM_NETR_SERVER_GET_INFO) {
      return { out: respond(serverInfoResponse(level, env)), event: { type: 'rpc_call', fields: { pipe: pipe.name, opnum, call: 'NetrServerGetInfo', level: level ?? -1 } } }
    }
    return { out: fault(callId, NCA_S_OP_RNG_ERROR), event: { type: 'rpc_call', fields: { pipe: pipe.name, opnum } } }
  }
  return { out: fault(callId, NCA_S_PROTO_ERROR) }
}

function bindAck(pipe: RpcPipe, p: Buffer, callId: number, isBind: boolean): Buffer {
  if (p.length < 28) return fault(callId, NCA_S_PROTO_ERROR)
  const maxXmit = Math.min(p.readUInt16LE(16), MAX_FRAG)
  const n = p[24] as number
  const results: Buffer[] = []
  let off = 28
  for (let i = 0; i < n && off + 24 <= p.length; i++) {
    const ctxId = p.readUInt16LE(off)
    const nTransfer = p[off + 2] as number
    const abstract = p.subarray(off + 4, off + 24)
    const transfers: Buffer[] = []
    for (let j = 0; j < nTransfer && off + 24 + (j + 1) * 20 <= p.length; j++) transfers.push(p.subarray(off + 24 + j * 20, off + 44 + j * 20))
    off += 24 + nTransfer * 20
    const r = Buffer.alloc(24)
    const okAbstract = abstract.subarray(0, 16).equals(SRVSVC_UUID) && pipe.name === 'srvsvc'
    if (transfers.some((t) => t.subarray(0, 8).equals(BTFN_PREFIX))) {
      r.writeUInt16LE(3, 0) // negotiate_ack
      r.writeUInt16LE(0x0002, 2) // keep connection on orphan
    } else if (okAbstract && transfers.some((t) => t.equals(NDR_SYNTAX)) && pipe.contextId === undefined) {
      pipe.contextId = ctxId
      pipe.bound = true
      NDR_SYNTAX.copy(r, 4)
    } else {
      r.writeUInt16LE(2, 0) // provider_rejection
      r.writeUInt16LE(okAbstract ? 2 : 1, 2) // transfer / abstract syntax not supported
    }
    results.push(r)
  }
  const secAddr = isBind ? Buffer.from(`\\PIPE\\${pipe.name}\0`, 'latin1') : Buffer.alloc(0)
  const fixed = Buffer.alloc(10)
  fixed.writeUInt16LE(maxXmit, 0)
  fixed.writeUInt16LE(maxXmit, 2)
  fixed.writeUInt32LE(isBind ? 0x0000a0f3 : 0, 4)
  fixed.writeUInt16LE(secAddr.length, 8)
  const beforePad = 16 + 10 + secAddr.length
  const pad = Buffer.alloc((4 - (beforePad % 4)) % 4)
  const count = Buffer.alloc(4)
  count[0] = results.length
  return header(isBind ? PTYPE.BIND_ACK : PTYPE.ALTER_CONTEXT_RESP, callId, Buffer.concat([fixed, secAddr, pad, count, ...results]))
}

/** NetrShareEnum / NetrServerGetInfo request stub: ServerName (unique [string] wchar*), then a u32 level. */
function serverNameThenLevel(stub: Buffer): number | undefined {
  if (stub.length < 8) return undefined
  let off = 0
  const ptr = stub.readUInt32LE(off)
  off += 4
  if (ptr !== 0) {
    if (off + 12 > stub.length) return undefined
    const actual = stub.readUInt32LE(off + 8)
    off += 12 + actual * 2
    off = (off + 3) & ~3
  }
  return off + 4 <= stub.length ? stub.readUInt32LE(off) : undefined
}

class Ndr {
  parts: Buffer[] = []
  len = 0
  #ref = 0x00020000
  u32(v: number): this {
    const b = Buffer.alloc(4)
    b.writeUInt32LE(v >>> 0)
    return this.push(b)
  }
  ptr(): this {
    this.#ref += 4
    return this.u32(this.#ref)
  }
  /** Conformant varying UTF-16 string with its NUL, padded to 4. */
  wstr(s: string): this {
    const chars = s.length + 1
    this.u32(chars).u32(0).u32(chars)
    this.push(Buffer.from(`${s}\0`, 'utf16le'))
    return this.push(Buffer.alloc((4 - (this.len % 4)) % 4))
  }
  push(b: Buffer): this {
    this.parts.push(b)
    this.len += b.length
    return this
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts)
  }
}

const STYPE_DISKTREE = 0
const STYPE_IPC = 3
const STYPE_SPECIAL = 0x80000000

function shareType(s: Share): number {
  return (s.kind === 'ipc' ? STYPE_IPC : STYPE_DISKTREE) | (s.name.endsWith('$') ? STYPE_SPECIAL : 0)
}

/** NetrShareEnum response stub (MS-SRVS 3.1.4.8) for level 0 or 1. */
export function shareEnumResponse(level: number | undefined, shares: Share[]): Buffer {
  const w = new Ndr()
  if (level !== 0 && level !== 1) {
    w.u32(level ?? 0).u32(level ?? 0).u32(0) // InfoStruct with a NULL container
    w.u32(0).u32(0).u32(ADMIN_LEVELS.has(level ?? -1) ? WERR_ACCESS_DENIED : WERR_INVALID_LEVEL)
    return w.bytes()
  }
  w.u32(level).u32(level).ptr()
  w.u32(shares.length).ptr()
  w.u32(shares.length)
  for (const s of shares) {
    w.ptr()
    if (level === 1) w.u32(shareType(s)).ptr()
  }
  for (const s of shares) {
    w.wstr(s.name)
    if (level === 1) w.wstr(s.remark)
  }
  w.u32(shares.length) // TotalEntries
  w.ptr().u32(0) // ResumeHandle
  w.u32(0) // WERROR_OK
  return w.bytes()
}

const SV_TYPE = Object.freeze({ WORKSTATION: 0x1, SERVER: 0x2, DOMAIN_MEMBER: 0x100, NT: 0x1000, SERVER_NT: 0x8000 })
const PLATFORM_ID_NT = 500

/** NetrServerGetInfo (MS-SRVS 3.1.4.17) level 100/101; other levels need admin rights. */
export function serverInfoResponse(level: number | undefined, env: RpcEnv): Buffer {
  const w = new Ndr()
  if (level !== 100 && level !== 101) {
    w.u32(level ?? 0).u32(0)
    w.u32(ADMIN_LEVELS.has(level ?? -1) || level === 102 ? WERR_ACCESS_DENIED : WERR_INVALID_LEVEL)
    return w.bytes()
  }
  const id = env.identity
  const type = SV_TYPE.WORKSTATION | SV_TYPE.SERVER | SV_TYPE.NT | (env.workstation ? 0 : SV_TYPE.SERVER_NT) | (id.domainJoined ? SV_TYPE.DOMAIN_MEMBER : 0)
  w.u32(level).ptr()
  w.u32(PLATFORM_ID_NT).ptr()
  if (level === 101) w.u32(id.version.major).u32(id.version.minor).u32(type).ptr()
  w.wstr(id.nbComputer)
  if (level === 101) w.wstr('')
  w.u32(0)
  return w.bytes()
}
