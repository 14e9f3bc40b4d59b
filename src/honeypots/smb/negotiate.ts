// NEGOTIATE: the SMB1 multi-protocol request that Windows answers by moving
// to SMB2 (MS-SMB2 3.3.5.3.1), and the SMB2 NEGOTIATE request/response with
// 3.1.1 negotiate contexts (MS-SMB2 2.2.3, 2.2.4).
import { randomBytes } from 'node:crypto'
import {
  CAP, CIPHER_PREFERENCE, DIALECT, HASH_SHA512, NEG_CTX, SIGNING_ENABLED, SMB1_COM_NEGOTIATE, SMB1_MAGIC, SMB2_HEADER_SIZE,
} from './constants.js'

/** Dialects offered by an SMB1 NEGOTIATE (SMB_COM_NEGOTIATE, MS-CIFS 2.2.4.52.1), or undefined. */
export function smb1Dialects(pdu: Buffer): string[] | undefined {
  // SMB1 header is 32 bytes; then WordCount(1)=0, ByteCount(2), dialects "\x02name\0"...
  if (pdu.length < 35 || !pdu.subarray(0, 4).equals(SMB1_MAGIC) || pdu[4] !== SMB1_COM_NEGOTIATE) return undefined
  const wc = pdu[32] as number
  const bcAt = 33 + wc * 2
  if (bcAt + 2 > pdu.length) return undefined
  const end = Math.min(pdu.length, bcAt + 2 + pdu.readUInt16LE(bcAt))
  const out: string[] = []
  let p = bcAt + 2
  while (p < end && out.length < 64) {
    if (pdu[p] !== 0x02) return out
    const nul = pdu.indexOf(0, p + 1)
    if (nul < 0 || nul >= end) return out
    out.push(pdu.subarray(p + 1, nul).toString('latin1'))
    p = nul + 1
  }
  return out
}

/** The SMB2 dialect Windows answers an SMB1 negotiate with, or undefined (SMB1 only → Windows drops it). */
export function smb1UpgradeDialect(dialects: string[]): number | undefined {
  if (dialects.includes('SMB 2.???')) return DIALECT.WILDCARD
  if (dialects.includes('SMB 2.002')) return DIALECT.SMB202
  return undefined
}

export interface NegotiateContext {
  type: number
  data: Buffer
}

export interface NegotiateRequest {
  securityMode: number
  capabilities: number
  clientGuid: Buffer
  dialects: number[]
  contexts: NegotiateContext[]
}

const MAX_DIALECTS = 64
const MAX_CONTEXTS = 16

/** SMB2 NEGOTIATE request body at `pdu[64..]` (MS-SMB2 2.2.3). */
export function parseNegotiateRequest(pdu: Buffer): NegotiateRequest | undefined {
  const b = SMB2_HEADER_SIZE
  if (pdu.length < b + 36 || pdu.readUInt16LE(b) !== 36) return undefined
  const count = pdu.readUInt16LE(b + 2)
  if (count === 0 || count > MAX_DIALECTS || b + 36 + count * 2 > pdu.length) return undefined
  const dialects: number[] = []
  for (let i = 0; i < count; i++) dialects.push(pdu.readUInt16LE(b + 36 + i * 2))
  const contexts: NegotiateContext[] = []
  if (dialects.includes(DIALECT.SMB311)) {
    let off = pdu.readUInt32LE(b + 28)
    const n = Math.min(pdu.readUInt16LE(b + 32), MAX_CONTEXTS)
    for (let i = 0; i < n; i++) {
      off = (off + 7) & ~7
      if (off + 8 > pdu.length) break
      const len = pdu.readUInt16LE(off + 2)
      if (off + 8 + len > pdu.length) break
      contexts.push({ type: pdu.readUInt16LE(off), data: Buffer.from(pdu.subarray(off + 8, off + 8 + len)) })
      off += 8 + len
    }
  }
  return {
    securityMode: pdu.readUInt16LE(b + 4),
    capabilities: pdu.readUInt32LE(b + 8),
    clientGuid: Buffer.from(pdu.subarray(b + 12, b + 28)),
    dialects,
    contexts,
  }
}

/** Highest dialect both sides speak (Windows' rule), or undefined. */
export function chooseDialect(offered: number[], supported: readonly number[]): number | undefined {
  const both = offered.filter((d) => supported.includes(d))
  return both.length ? Math.max(...both) : undefined
}

/**
 * Server capabilities (MS-SMB2 3.3.5.4): 3.x bits for multichannel, directory
 * leasing and (3.0/3.0.2) encryption are only set when the client asked for them.
 */
export function capabilitiesFor(dialect: number, clientCaps = 0): number {
  if (dialect === DIALECT.SMB202) return CAP.DFS
  if (dialect === DIALECT.SMB210 || dialect === DIALECT.WILDCARD) return CAP.DFS | CAP.LEASING | CAP.LARGE_MTU
  const mirrored = CAP.MULTI_CHANNEL | CAP.DIRECTORY_LEASING | (dialect === DIALECT.SMB311 ? 0 : CAP.ENCRYPTION)
  return CAP.DFS | CAP.LEASING | CAP.LARGE_MTU | (clientCaps & mirrored)
}

export interface NegotiateResponseOptions {
  dialect: number
  serverGuid: Buffer
  securityBlob: Buffer
  systemTime: bigint
  maxSize: number
  clientCapabilities?: number
  /** 3.1.1 only: the client's contexts, to answer. */
  clientContexts?: NegotiateContext[]
}

function context(type: number, data: Buffer): Buffer {
  const h = Buffer.alloc(8)
  h.writeUInt16LE(type, 0)
  h.writeUInt16LE(data.length, 2)
  return Buffer.concat([h, data])
}

/** Cipher for a 3.1.1 client's ENCRYPTION_CAPABILITIES: 0 = none in common, undefined = not offered. */
export function pickCipher(client: NegotiateContext[]): number | undefined {
  const enc = client.find((c) => c.type === NEG_CTX.ENCRYPTION_CAPABILITIES)
  if (!enc || enc.data.length < 2) return undefined
  const n = Math.min(enc.data.readUInt16LE(0), (enc.data.length - 2) >> 1)
  const offered: number[] = []
  for (let i = 0; i < n; i++) offered.push(enc.data.readUInt16LE(2 + i * 2))
  return CIPHER_PREFERENCE.find((c) => offered.includes(c)) ?? 0
}

/** The contexts a Windows server returns for the ones the client sent. */
export function responseContexts(client: NegotiateContext[]): Buffer[] {
  const out: Buffer[] = []
  const pre = Buffer.alloc(6 + 32)
  pre.writeUInt16LE(1, 0)
  pre.writeUInt16LE(32, 2)
  pre.writeUInt16LE(HASH_SHA512, 4)
  randomBytes(32).copy(pre, 6)
  out.push(context(NEG_CTX.PREAUTH_INTEGRITY_CAPABILITIES, pre))
  const pick = pickCipher(client)
  if (pick !== undefined) {
    const d = Buffer.alloc(4)
    d.writeUInt16LE(1, 0)
    d.writeUInt16LE(pick, 2)
    out.push(context(NEG_CTX.ENCRYPTION_CAPABILITIES, d))
  }
  return out
}

/** NEGOTIATE response body (MS-SMB2 2.2.4); the header is added by the caller. */
export function buildNegotiateResponse(o: NegotiateResponseOptions): Buffer {
  const fixed = Buffer.alloc(64)
  fixed.writeUInt16LE(65, 0)
  fixed.writeUInt16LE(SIGNING_ENABLED, 2)
  fixed.writeUInt16LE(o.dialect, 4)
  o.serverGuid.copy(fixed, 8, 0, 16)
  fixed.writeUInt32LE(capabilitiesFor(o.dialect, o.clientCapabilities), 24)
  fixed.writeUInt32LE(o.maxSize, 28)
  fixed.writeUInt32LE(o.maxSize, 32)
  fixed.writeUInt32LE(o.maxSize, 36)
  fixed.writeBigUInt64LE(o.systemTime, 40)
  fixed.writeBigUInt64LE(0n, 48) // ServerStartTime: Windows 10/2016+ send 0
  fixed.writeUInt16LE(SMB2_HEADER_SIZE + 64, 56)
  fixed.writeUInt16LE(o.securityBlob.length, 58)
  const parts = [fixed, o.securityBlob]
  if (o.dialect === DIALECT.SMB311 && o.clientContexts) {
    const ctxs = responseContexts(o.clientContexts)
    let len = 64 + o.securityBlob.length
    const pad = (8 - ((SMB2_HEADER_SIZE + len) % 8)) % 8
    parts.push(Buffer.alloc(pad))
    len += pad
    fixed.writeUInt16LE(ctxs.length, 6)
    fixed.writeUInt32LE(SMB2_HEADER_SIZE + len, 60)
    ctxs.forEach((c, i) => {
      parts.push(c)
      if (i < ctxs.length - 1) parts.push(Buffer.alloc((8 - (c.length % 8)) % 8))
    })
  }
  return Buffer.concat(parts)
}

/** Windows Server 2016 (1607) still ships SMB1 enabled; later builds removed it. */
export const SMB1_LAST_BUILD = 14393

export interface Smb1NegotiateOptions {
  /** Index of "NT LM 0.12" in the client's list. */
  dialectIndex: number
  challenge: Buffer
  domain: string
  server: string
  systemTime: bigint
}

/**
 * SMB_COM_NEGOTIATE response, NT LM 0.12 without extended security
 * (MS-CIFS 2.2.4.52.2), as Windows 7–10 / Server 2016 send it: header fields
 * echoed (PID, MID), 17 words, challenge, then domain and server in UTF-16.
 */
export function smb1NegotiateResponse(req: Buffer, o: Smb1NegotiateOptions): Buffer {
  const h = Buffer.alloc(32)
  req.copy(h, 0, 0, 32)
  h.writeUInt32LE(0, 5) // Status
  h[9] = 0x88 // Flags: REPLY | CASE_INSENSITIVE
  h.writeUInt16LE(0x4001, 10) // Flags2 as Windows answers a client without NT_STATUS/EXTENDED_SECURITY
  h.fill(0, 12, 24)
  const w = Buffer.alloc(1 + 34)
  w[0] = 17
  w.writeUInt16LE(o.dialectIndex, 1)
  w[3] = 0x03 // SecurityMode: user level, encrypted passwords
  w.writeUInt16LE(50, 4) // MaxMpxCount
  w.writeUInt16LE(1, 6) // MaxNumberVcs
  w.writeUInt32LE(4356, 8) // MaxBufferSize
  w.writeUInt32LE(65536, 12) // MaxRawSize
  w.writeUInt32LE(0, 16) // SessionKey
  w.writeUInt32LE(0x0001e3fc, 20) // Capabilities
  w.writeBigUInt64LE(o.systemTime, 24)
  w.writeInt16LE(0, 32) // ServerTimeZone (UTC)
  w[34] = 8 // ChallengeLength
  const names = Buffer.concat([Buffer.from(`${o.domain}\0`, 'utf16le'), Buffer.from(`${o.server}\0`, 'utf16le')])
  const bc = Buffer.alloc(2)
  bc.writeUInt16LE(8 + names.length)
  return Buffer.concat([h, w, bc, o.challenge.subarray(0, 8), names])
}
