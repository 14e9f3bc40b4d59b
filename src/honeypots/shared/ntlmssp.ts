// NTLMSSP (MS-NLMP) for every emulator that offers NTLM: SMB, RDP/CredSSP,
// later LDAP, MSSQL, HTTP Negotiate and mail AUTH NTLM. Builds a Windows-like
// CHALLENGE (fresh server challenge per connection, persona names, timestamp,
// OS version), parses NEGOTIATE and AUTHENTICATE without ever throwing, and
// turns a capture into a hashcat line (NetNTLMv2 5600 / NetNTLMv1 5500).
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { encodeSecret } from '../../events/event.js'
import { ntHash, Rc4 } from './md4.js'

export const NTLMSSP_SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1')

export const MESSAGE_TYPE = Object.freeze({ NEGOTIATE: 1, CHALLENGE: 2, AUTHENTICATE: 3 })

/** NegotiateFlags (MS-NLMP 2.2.2.5). */
export const NTLMSSP_NEGOTIATE = Object.freeze({
  UNICODE: 0x00000001,
  OEM: 0x00000002,
  REQUEST_TARGET: 0x00000004,
  SIGN: 0x00000010,
  SEAL: 0x00000020,
  DATAGRAM: 0x00000040,
  LM_KEY: 0x00000080,
  NTLM: 0x00000200,
  ANONYMOUS: 0x00000800,
  OEM_DOMAIN_SUPPLIED: 0x00001000,
  OEM_WORKSTATION_SUPPLIED: 0x00002000,
  ALWAYS_SIGN: 0x00008000,
  TARGET_TYPE_DOMAIN: 0x00010000,
  TARGET_TYPE_SERVER: 0x00020000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  IDENTIFY: 0x00100000,
  REQUEST_NON_NT_SESSION_KEY: 0x00400000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  N128: 0x20000000,
  KEY_EXCH: 0x40000000,
  N56: 0x80000000,
})

/** AV_PAIR ids (MS-NLMP 2.2.2.1). */
export const MSV_AV = Object.freeze({
  EOL: 0,
  NB_COMPUTER_NAME: 1,
  NB_DOMAIN_NAME: 2,
  DNS_COMPUTER_NAME: 3,
  DNS_DOMAIN_NAME: 4,
  DNS_TREE_NAME: 5,
  FLAGS: 6,
  TIMESTAMP: 7,
})

/** Flags a Windows server echoes when the client asks for them (MS-NLMP 3.2.5.1.1). */
const MIRRORED =
  NTLMSSP_NEGOTIATE.SIGN | NTLMSSP_NEGOTIATE.SEAL | NTLMSSP_NEGOTIATE.EXTENDED_SESSIONSECURITY |
  NTLMSSP_NEGOTIATE.N128 | NTLMSSP_NEGOTIATE.KEY_EXCH | NTLMSSP_NEGOTIATE.N56 | NTLMSSP_NEGOTIATE.IDENTIFY
/** What Windows answers a client that sent no NEGOTIATE flags we could read: 0xE28A8215 for a workgroup server. */
const DEFAULT_CLIENT_FLAGS = 0xe2088215 | 0
/** Longest user/domain/workstation string kept, in characters. */
export const MAX_NAME_CHARS = 256
/** NT responses longer than this are refused (a NTLMv2 blob is ~300 bytes with a full AV list). */
export const MAX_NT_RESPONSE = 4096
/** Message longer than this is refused. */
export const MAX_MESSAGE = 16384

export interface WindowsVersion {
  major: number
  minor: number
  build: number
}

/** The names and build a Windows host puts in its CHALLENGE (and SMB/RDP replies). */
export interface TargetNames {
  /** NetBIOS computer name (upper case, ≤ 15 chars). */
  nbComputer: string
  /** NetBIOS domain; for a workgroup server Windows repeats the computer name here. */
  nbDomain: string
  /** DNS computer name (FQDN for a domain member, host name otherwise). */
  dnsComputer: string
  /** DNS domain (the host name for a workgroup server). */
  dnsDomain: string
  /** Forest name; only domain members send it. */
  dnsTree?: string
  /** True: TARGET_TYPE_DOMAIN and TargetName = NetBIOS domain. */
  domainJoined: boolean
  version: WindowsVersion
}

export interface ChallengeOptions extends TargetNames {
  /** 8 bytes, fresh per connection (see newServerChallenge). */
  serverChallenge: Buffer
  /** Flags of the client's NEGOTIATE; absent → Windows' answer to a typical client. */
  clientFlags?: number
  /** FILETIME for MsvAvTimestamp; default now. */
  timestamp?: bigint
}

export interface NtlmNegotiate {
  flags: number
  domain?: string
  workstation?: string
  version?: string
}

export interface NtlmAuthenticate {
  flags: number
  lmResponse: Buffer
  ntResponse: Buffer
  domain: string
  user: string
  workstation: string
  encryptedSessionKey: Buffer
  /** "major.minor.build" when the client sent a VERSION. */
  version?: string
  /** True when a name was cut to MAX_NAME_CHARS. */
  truncated: boolean
}

export const newServerChallenge = (): Buffer => randomBytes(8)

/** 100-ns ticks since 1601-01-01 (FILETIME). */
export function fileTime(ms: number = Date.now()): bigint {
  return BigInt(Math.floor(ms)) * 10000n + 116444736000000000n
}

const utf16 = (s: string) => Buffer.from(s, 'utf16le')

function avPair(id: number, value: Buffer): Buffer {
  const h = Buffer.alloc(4)
  h.writeUInt16LE(id, 0)
  h.writeUInt16LE(value.length, 2)
  return Buffer.concat([h, value])
}

function versionBytes(v: WindowsVersion): Buffer {
  const b = Buffer.alloc(8)
  b[0] = v.major
  b[1] = v.minor
  b.writeUInt16LE(v.build, 2)
  b[7] = 0x0f // NTLMSSP_REVISION_W2K3
  return b
}

/** The flags a Windows server puts in its CHALLENGE for a client's NEGOTIATE flags. */
export function challengeFlags(clientFlags: number | undefined, domainJoined: boolean): number {
  const c = clientFlags ?? DEFAULT_CLIENT_FLAGS
  let f =
    NTLMSSP_NEGOTIATE.REQUEST_TARGET | NTLMSSP_NEGOTIATE.NTLM | NTLMSSP_NEGOTIATE.ALWAYS_SIGN |
    NTLMSSP_NEGOTIATE.TARGET_INFO | NTLMSSP_NEGOTIATE.VERSION |
    (domainJoined ? NTLMSSP_NEGOTIATE.TARGET_TYPE_DOMAIN : NTLMSSP_NEGOTIATE.TARGET_TYPE_SERVER)
  f |= c & MIRRORED
  if (c & NTLMSSP_NEGOTIATE.UNICODE || !(c & NTLMSSP_NEGOTIATE.OEM)) f |= NTLMSSP_NEGOTIATE.UNICODE
  else f |= NTLMSSP_NEGOTIATE.OEM
  return f >>> 0
}

/**
 * CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2):
 *   0 Signature(8) 8 MessageType(4) 12 TargetNameFields(8) 20 NegotiateFlags(4)
 *   24 ServerChallenge(8) 32 Reserved(8) 40 TargetInfoFields(8) 48 Version(8) 56 payload
 */
export function buildChallenge(o: ChallengeOptions): Buffer {
  const flags = challengeFlags(o.clientFlags, o.domainJoined)
  const unicode = (flags & NTLMSSP_NEGOTIATE.UNICODE) !== 0
  const targetNameStr = o.domainJoined ? o.nbDomain : o.nbComputer
  const targetName = unicode ? utf16(targetNameStr) : Buffer.from(targetNameStr, 'latin1')
  const ts = Buffer.alloc(8)
  ts.writeBigUInt64LE(o.timestamp ?? fileTime())
  const pairs = [
    avPair(MSV_AV.NB_DOMAIN_NAME, utf16(o.nbDomain)),
    avPair(MSV_AV.NB_COMPUTER_NAME, utf16(o.nbComputer)),
    avPair(MSV_AV.DNS_DOMAIN_NAME, utf16(o.dnsDomain)),
    avPair(MSV_AV.DNS_COMPUTER_NAME, utf16(o.dnsComputer)),
  ]
  if (o.dnsTree) pairs.push(avPair(MSV_AV.DNS_TREE_NAME, utf16(o.dnsTree)))
  pairs.push(avPair(MSV_AV.TIMESTAMP, ts), avPair(MSV_AV.EOL, Buffer.alloc(0)))
  const targetInfo = Buffer.concat(pairs)
  const h = Buffer.alloc(56)
  NTLMSSP_SIGNATURE.copy(h, 0)
  h.writeUInt32LE(MESSAGE_TYPE.CHALLENGE, 8)
  h.writeUInt16LE(targetName.length, 12)
  h.writeUInt16LE(targetName.length, 14)
  h.writeUInt32LE(56, 16)
  h.writeUInt32LE(flags, 20)
  o.serverChallenge.copy(h, 24, 0, 8)
  h.writeUInt16LE(targetInfo.length, 40)
  h.writeUInt16LE(targetInfo.length, 42)
  h.writeUInt32LE(56 + targetName.length, 44)
  versionBytes(o.version).copy(h, 48)
  return Buffer.concat([h, targetName, targetInfo])
}

/** Offset of an NTLMSSP message inside a blob (raw or wrapped), or -1. */
export function findNtlmssp(blob: Buffer): number {
  return blob.indexOf(NTLMSSP_SIGNATURE)
}

function isMessage(buf: Buffer, type: number): boolean {
  return buf.length >= 12 && buf.length <= MAX_MESSAGE && buf.subarray(0, 8).equals(NTLMSSP_SIGNATURE) && buf.readUInt32LE(8) === type
}

/** A (Len, MaxLen, Offset) field; out-of-range → undefined. */
function payloadField(buf: Buffer, at: number): Buffer | undefined {
  if (at + 8 > buf.length) return undefined
  const len = buf.readUInt16LE(at)
  const off = buf.readUInt32LE(at + 4)
  if (len === 0) return Buffer.alloc(0)
  if (off > buf.length || off + len > buf.length) return undefined
  return buf.subarray(off, off + len)
}

function decodeName(b: Buffer | undefined, unicode: boolean): { s: string; cut: boolean } {
  if (!b) return { s: '', cut: false }
  let s = unicode ? b.subarray(0, b.length & ~1).toString('utf16le') : b.toString('latin1')
  const cut = s.length > MAX_NAME_CHARS
  if (cut) s = s.slice(0, MAX_NAME_CHARS)
  return { s, cut }
}

function readVersion(buf: Buffer, at: number): string | undefined {
  if (at + 8 > buf.length) return undefined
  return `${buf[at]}.${buf[at + 1]}.${buf.readUInt16LE(at + 2)}`
}

/** NEGOTIATE_MESSAGE (MS-NLMP 2.2.1.1): 0 sig, 8 type, 12 flags, 16 DomainNameFields, 24 WorkstationFields, 32 Version. */
export function parseNegotiate(buf: Buffer): NtlmNegotiate | undefined {
  if (!isMessage(buf, MESSAGE_TYPE.NEGOTIATE) || buf.length < 16) return undefined
  const flags = buf.readUInt32LE(12)
  const out: NtlmNegotiate = { flags }
  if (buf.length >= 32) {
    const d = payloadField(buf, 16)
    const w = payloadField(buf, 24)
    if (d?.length) out.domain = decodeName(d, false).s
    if (w?.length) out.workstation = decodeName(w, false).s
  }
  if (flags & NTLMSSP_NEGOTIATE.VERSION) out.version = readVersion(buf, 32)
  return out
}

/**
 * AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3): fields (Len u16, MaxLen u16, Offset u32)
 * LM @12, NT @20, Domain @28, User @36, Workstation @44, EncryptedRandomSessionKey @52,
 * NegotiateFlags @60, Version @64, MIC @72. Out-of-range fields make the message invalid.
 */
export function parseAuthenticate(buf: Buffer): NtlmAuthenticate | undefined {
  if (!isMessage(buf, MESSAGE_TYPE.AUTHENTICATE) || buf.length < 64) return undefined
  const lm = payloadField(buf, 12)
  const nt = payloadField(buf, 20)
  const dom = payloadField(buf, 28)
  const usr = payloadField(buf, 36)
  const ws = payloadField(buf, 44)
  const key = payloadField(buf, 52)
  if (!lm || !nt || !dom || !usr || !ws || !key) return undefined
  if (nt.length > MAX_NT_RESPONSE || lm.length > MAX_NT_RESPONSE) return undefined
  const flags = buf.readUInt32LE(60)
  const unicode = (flags & NTLMSSP_NEGOTIATE.UNICODE) !== 0
  const d = decodeName(dom, unicode)
  const u = decodeName(usr, unicode)
  const w = decodeName(ws, unicode)
  const out: NtlmAuthenticate = {
    flags,
    lmResponse: Buffer.from(lm),
    ntResponse: Buffer.from(nt),
    domain: d.s,
    user: u.s,
    workstation: w.s,
    encryptedSessionKey: Buffer.from(key),
    truncated: d.cut || u.cut || w.cut,
  }
  if (flags & NTLMSSP_NEGOTIATE.VERSION) {
    const v = readVersion(buf, 64)
    if (v) out.version = v
  }
  return out
}

/** An AUTHENTICATE with no NT response and no user is an anonymous (null session) logon. */
export function isAnonymous(auth: NtlmAuthenticate): boolean {
  return auth.user === '' && auth.ntResponse.length === 0 && auth.lmResponse.length <= 1
}

export type NtlmSecretKind = 'ntlmssp_v2' | 'ntlmssp_v1'

/** hashcat input for a capture; undefined when there is no NT response (anonymous). */
export function hashcatLine(auth: NtlmAuthenticate, serverChallenge: Buffer): { secretKind: NtlmSecretKind; line: string } | undefined {
  const nt = auth.ntResponse
  const chal = serverChallenge.toString('hex')
  if (nt.length === 24) {
    // NetNTLMv1, hashcat 5500: user::domain:lm:nt:challenge (ESS: client challenge in lm[0..8])
    return { secretKind: 'ntlmssp_v1', line: `${auth.user}::${auth.domain}:${auth.lmResponse.toString('hex')}:${nt.toString('hex')}:${chal}` }
  }
  if (nt.length > 24) {
    // NetNTLMv2, hashcat 5600: user::domain:challenge:NTProofStr:blob
    return { secretKind: 'ntlmssp_v2', line: `${auth.user}::${auth.domain}:${chal}:${nt.subarray(0, 16).toString('hex')}:${nt.subarray(16).toString('hex')}` }
  }
  return undefined
}

export function principalOf(auth: Pick<NtlmAuthenticate, 'user' | 'domain'>): string {
  return auth.domain ? `${auth.domain}\\${auth.user}` : auth.user
}

/** Event fields for a captured AUTHENTICATE: a credential row keyed on the hashcat line. */
export function credentialFields(auth: NtlmAuthenticate, serverChallenge: Buffer): Record<string, string> {
  const hc = hashcatLine(auth, serverChallenge)
  const base: Record<string, string> = {
    username: auth.user,
    domain: auth.domain,
    principal: principalOf(auth),
    workstation: auth.workstation,
    challenge_hex: serverChallenge.toString('hex'),
    ntlm_flags: auth.flags.toString(16).padStart(8, '0'),
  }
  if (auth.version) base.client_version = auth.version
  if (auth.truncated) base.truncated = 'true'
  // no NT response: a null session, or a named user with an empty response (no secret to keep)
  if (!hc) return { ...base, secret_kind: auth.user ? 'no_response' : 'anonymous' }
  return { ...base, secret_kind: hc.secretKind, ...encodeSecret(hc.line) }
}

// ---- verification of bait credentials (server side) ------------------------

const hmacMd5 = (key: Buffer, ...data: Buffer[]) => {
  const h = createHmac('md5', key)
  for (const d of data) h.update(d)
  return h.digest()
}

/** NTOWFv2 (MS-NLMP 3.3.2): HMAC-MD5(MD4(UTF16(password)), UTF16(UPPER(user) + domain)). */
export function ntowfv2(password: string, user: string, domain: string): Buffer {
  return hmacMd5(ntHash(password), utf16(user.toUpperCase() + domain))
}

/**
 * Check a NetNTLMv2 response against a known password. Returns the
 * ExportedSessionKey (after KEY_EXCH) on success, undefined otherwise.
 */
export function verifyNtlmV2(auth: NtlmAuthenticate, serverChallenge: Buffer, password: string): Buffer | undefined {
  if (auth.ntResponse.length <= 24) return undefined
  const key = ntowfv2(password, auth.user, auth.domain)
  const proof = auth.ntResponse.subarray(0, 16)
  const blob = auth.ntResponse.subarray(16)
  if (!hmacMd5(key, serverChallenge, blob).equals(proof)) return undefined
  const baseKey = hmacMd5(key, proof)
  if (auth.flags & NTLMSSP_NEGOTIATE.KEY_EXCH && auth.encryptedSessionKey.length === 16) {
    return new Rc4(baseKey).update(auth.encryptedSessionKey)
  }
  return baseKey
}

const SIGN_MAGIC_S2C = Buffer.from('session key to server-to-client signing key magic constant\0', 'latin1')
const SEAL_MAGIC_S2C = Buffer.from('session key to server-to-client sealing key magic constant\0', 'latin1')

/**
 * The server's first NTLM MAC (MS-NLMP 3.4.4.2, extended session security):
 * used as the SPNEGO mechListMIC over the client's mechTypes (sequence 0).
 */
export function serverMac(exportedSessionKey: Buffer, flags: number, message: Buffer, seq = 0): Buffer {
  const signKey = createHash('md5').update(exportedSessionKey).update(SIGN_MAGIC_S2C).digest()
  const sealKey = createHash('md5').update(exportedSessionKey).update(SEAL_MAGIC_S2C).digest()
  const seqBuf = Buffer.alloc(4)
  seqBuf.writeUInt32LE(seq)
  let checksum: Buffer = hmacMd5(signKey, seqBuf, message).subarray(0, 8)
  if (flags & NTLMSSP_NEGOTIATE.KEY_EXCH) checksum = new Rc4(sealKey).update(checksum)
  const out = Buffer.alloc(16)
  out.writeUInt32LE(1, 0)
  checksum.copy(out, 4)
  seqBuf.copy(out, 12)
  return out
}
