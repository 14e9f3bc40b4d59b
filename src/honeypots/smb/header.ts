// SMB2 SYNC header (MS-SMB2 2.2.1.2), 64 bytes, little-endian:
//   0 ProtocolId  4 StructureSize(64)  6 CreditCharge  8 Status  12 Command
//   14 CreditRequest/Response  16 Flags  20 NextCommand  24 MessageId
//   32 Reserved/AsyncId-low  36 TreeId  40 SessionId  48 Signature(16)
import { FLAGS, SMB2_HEADER_SIZE, SMB2_MAGIC } from './constants.js'

export interface Smb2Header {
  creditCharge: number
  status: number
  command: number
  credits: number
  flags: number
  nextCommand: number
  messageId: bigint
  treeId: number
  sessionId: bigint
  signature: Buffer
}

export function parseHeader(buf: Buffer, at = 0): Smb2Header | undefined {
  if (at + SMB2_HEADER_SIZE > buf.length) return undefined
  if (!buf.subarray(at, at + 4).equals(SMB2_MAGIC) || buf.readUInt16LE(at + 4) !== SMB2_HEADER_SIZE) return undefined
  const flags = buf.readUInt32LE(at + 16)
  return {
    creditCharge: buf.readUInt16LE(at + 6),
    status: buf.readUInt32LE(at + 8),
    command: buf.readUInt16LE(at + 12),
    credits: buf.readUInt16LE(at + 14),
    flags,
    nextCommand: buf.readUInt32LE(at + 20),
    messageId: buf.readBigUInt64LE(at + 24),
    // async requests (only CANCEL in practice) carry no TreeId
    treeId: flags & FLAGS.ASYNC_COMMAND ? 0 : buf.readUInt32LE(at + 36),
    sessionId: buf.readBigUInt64LE(at + 40),
    signature: Buffer.from(buf.subarray(at + 48, at + 64)),
  }
}

export interface ReplyHeader {
  status: number
  command: number
  credits: number
  creditCharge: number
  flags?: number
  messageId: bigint
  treeId: number
  sessionId: bigint
}

export function buildHeader(h: ReplyHeader): Buffer {
  const b = Buffer.alloc(SMB2_HEADER_SIZE)
  SMB2_MAGIC.copy(b, 0)
  b.writeUInt16LE(SMB2_HEADER_SIZE, 4)
  b.writeUInt16LE(h.creditCharge, 6)
  b.writeUInt32LE(h.status >>> 0, 8)
  b.writeUInt16LE(h.command, 12)
  b.writeUInt16LE(h.credits, 14)
  b.writeUInt32LE((h.flags ?? 0) | FLAGS.SERVER_TO_REDIR, 16)
  b.writeBigUInt64LE(h.messageId, 24)
  b.writeUInt32LE(0xfeff, 32) // Reserved: Windows leaves ProcessId 0xfeff here
  b.writeUInt32LE(h.treeId, 36)
  b.writeBigUInt64LE(h.sessionId, 40)
  return b
}

/** ERROR response body (MS-SMB2 2.2.2): StructureSize 9, no error data. */
export function errorBody(): Buffer {
  const b = Buffer.alloc(9)
  b.writeUInt16LE(9, 0)
  return b
}
