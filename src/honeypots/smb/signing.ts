// SMB2/3 message signing (MS-SMB2 3.1.4.1) and key derivation (3.1.4.2,
// SP800-108 counter mode with HMAC-SHA256).
import { createCipheriv, createHash, createHmac } from 'node:crypto'
import { DIALECT, FLAGS } from './constants.js'

/** KDF(Ki, Label, Context) → 16 bytes. Labels and contexts include their trailing NUL. */
export function kdf(key: Buffer, label: Buffer, context: Buffer): Buffer {
  const i = Buffer.from([0, 0, 0, 1])
  const l = Buffer.from([0, 0, 0, 128])
  return createHmac('sha256', key).update(i).update(label).update(Buffer.from([0])).update(context).update(l).digest().subarray(0, 16)
}

const z = (s: string) => Buffer.from(`${s}\0`, 'latin1')

/** Signing key for a dialect; preauthHash only for 3.1.1. */
export function signingKey(dialect: number, sessionKey: Buffer, preauthHash?: Buffer): Buffer {
  const key = Buffer.alloc(16)
  sessionKey.copy(key, 0, 0, 16)
  if (dialect < DIALECT.SMB300) return key
  if (dialect === DIALECT.SMB311) return kdf(key, z('SMBSigningKey'), preauthHash ?? Buffer.alloc(64))
  return kdf(key, z('SMB2AESCMAC'), z('SmbSign'))
}

function shiftLeft(b: Buffer): Buffer {
  const out = Buffer.alloc(b.length)
  for (let i = 0; i < b.length; i++) out[i] = (((b[i] as number) << 1) | ((b[i + 1] ?? 0) >> 7)) & 0xff
  return out
}

/** AES-128-CMAC (RFC 4493). */
export function aesCmac(key: Buffer, msg: Buffer): Buffer {
  const enc = (block: Buffer) => {
    const c = createCipheriv('aes-128-ecb', key, null)
    c.setAutoPadding(false)
    return c.update(block)
  }
  const L = enc(Buffer.alloc(16))
  const k1 = shiftLeft(L)
  if ((L[0] as number) & 0x80) k1[15] = (k1[15] as number) ^ 0x87
  const k2 = shiftLeft(k1)
  if ((k1[0] as number) & 0x80) k2[15] = (k2[15] as number) ^ 0x87
  const n = Math.max(1, Math.ceil(msg.length / 16))
  const complete = msg.length > 0 && msg.length % 16 === 0
  const last = Buffer.alloc(16)
  msg.copy(last, 0, (n - 1) * 16)
  if (!complete) last[msg.length - (n - 1) * 16] = 0x80
  const sub = complete ? k1 : k2
  for (let i = 0; i < 16; i++) last[i] = (last[i] as number) ^ (sub[i] as number)
  const c = createCipheriv('aes-128-cbc', key, Buffer.alloc(16))
  c.setAutoPadding(false)
  const body = Buffer.concat([msg.subarray(0, (n - 1) * 16), last])
  const out = c.update(body)
  return out.subarray(out.length - 16)
}

/** Sign one SMB2 message in place: sets SMB2_FLAGS_SIGNED and writes the signature at 48. */
export function signMessage(msg: Buffer, dialect: number, key: Buffer): void {
  msg.writeUInt32LE(msg.readUInt32LE(16) | FLAGS.SIGNED, 16)
  msg.fill(0, 48, 64)
  const sig = dialect >= DIALECT.SMB300 ? aesCmac(key, msg) : createHmac('sha256', key).update(msg).digest().subarray(0, 16)
  sig.copy(msg, 48)
}

/** 3.1.1 preauth integrity: H(i) = SHA-512(H(i-1) || message). */
export function preauthUpdate(prev: Buffer, msg: Buffer): Buffer {
  return createHash('sha512').update(prev).update(msg).digest()
}
