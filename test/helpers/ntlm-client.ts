// A minimal NTLM client for tests (in-repo SMB/RDP clients): NEGOTIATE and
// an NTLMv2 AUTHENTICATE computed from a known password (MS-NLMP 3.3.2).
import { createHmac, randomBytes } from 'node:crypto'
import { MESSAGE_TYPE, NTLMSSP_NEGOTIATE as F, NTLMSSP_SIGNATURE, ntowfv2 } from '../../src/honeypots/shared/ntlmssp.js'

export const CLIENT_FLAGS =
  F.UNICODE | F.REQUEST_TARGET | F.SIGN | F.NTLM | F.ALWAYS_SIGN | F.EXTENDED_SESSIONSECURITY | F.TARGET_INFO | F.VERSION | F.N128 | F.KEY_EXCH | F.N56

export function negotiateMessage(flags = CLIENT_FLAGS): Buffer {
  const b = Buffer.alloc(40)
  NTLMSSP_SIGNATURE.copy(b)
  b.writeUInt32LE(MESSAGE_TYPE.NEGOTIATE, 8)
  b.writeUInt32LE(flags >>> 0, 12)
  b.writeUInt32LE(40, 20)
  b.writeUInt32LE(40, 28)
  Buffer.from([10, 0, 0x61, 0x4a, 0, 0, 0, 15]).copy(b, 32)
  return b
}

export interface ParsedChallenge {
  flags: number
  challenge: Buffer
  targetName: string
  targetInfo: Buffer
  avPairs: Map<number, Buffer>
  version: Buffer
}

export function readChallenge(m: Buffer): ParsedChallenge {
  const tnLen = m.readUInt16LE(12)
  const tnOff = m.readUInt32LE(16)
  const tiLen = m.readUInt16LE(40)
  const tiOff = m.readUInt32LE(44)
  const targetInfo = m.subarray(tiOff, tiOff + tiLen)
  const avPairs = new Map<number, Buffer>()
  for (let p = 0; p + 4 <= targetInfo.length;) {
    const id = targetInfo.readUInt16LE(p)
    const len = targetInfo.readUInt16LE(p + 2)
    if (id === 0) break
    avPairs.set(id, targetInfo.subarray(p + 4, p + 4 + len))
    p += 4 + len
  }
  return {
    flags: m.readUInt32LE(20),
    challenge: m.subarray(24, 32),
    targetName: m.subarray(tnOff, tnOff + tnLen).toString('utf16le'),
    targetInfo,
    avPairs,
    version: m.subarray(48, 56),
  }
}

export interface AuthenticateInput {
  user: string
  domain: string
  password: string
  workstation?: string
  serverChallenge: Buffer
  targetInfo: Buffer
  clientChallenge?: Buffer
  timestamp?: Buffer
  flags?: number
}

/** NTLMv2 AUTHENTICATE; returns the message and the NT response. */
export function authenticateMessage(i: AuthenticateInput): { message: Buffer; ntResponse: Buffer; sessionBaseKey: Buffer } {
  const key = ntowfv2(i.password, i.user, i.domain)
  const ts = i.timestamp ?? Buffer.alloc(8)
  const cc = i.clientChallenge ?? randomBytes(8)
  const temp = Buffer.concat([Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]), ts, cc, Buffer.alloc(4), i.targetInfo, Buffer.alloc(4)])
  const proof = createHmac('md5', key).update(i.serverChallenge).update(temp).digest()
  const nt = Buffer.concat([proof, temp])
  const lm = Buffer.alloc(24)
  const sessionBaseKey = createHmac('md5', key).update(proof).digest()
  const u16 = (s: string) => Buffer.from(s, 'utf16le')
  const payload = [lm, nt, u16(i.domain), u16(i.user), u16(i.workstation ?? 'TESTBOX'), Buffer.alloc(0)]
  const head = Buffer.alloc(72)
  NTLMSSP_SIGNATURE.copy(head)
  head.writeUInt32LE(MESSAGE_TYPE.AUTHENTICATE, 8)
  let off = 72
  const at = [12, 20, 28, 36, 44, 52]
  payload.forEach((p, k) => {
    head.writeUInt16LE(p.length, at[k] as number)
    head.writeUInt16LE(p.length, (at[k] as number) + 2)
    head.writeUInt32LE(off, (at[k] as number) + 4)
    off += p.length
  })
  head.writeUInt32LE((i.flags ?? CLIENT_FLAGS & ~F.KEY_EXCH) >>> 0, 60)
  Buffer.from([10, 0, 0x61, 0x4a, 0, 0, 0, 15]).copy(head, 64)
  return { message: Buffer.concat([head, ...payload]), ntResponse: nt, sessionBaseKey }
}
