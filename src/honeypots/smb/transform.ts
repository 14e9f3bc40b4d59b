// SMB3 encryption (MS-SMB2 2.2.41 TRANSFORM_HEADER, 3.1.4.3): AES-128-CCM/GCM.
//   0 ProtocolId(FD 'SMB') 4 Signature(16) 20 Nonce(16) 36 OriginalMessageSize(4)
//   40 Reserved(2) 42 Flags(2)=1 44 SessionId(8) 52 ciphertext
// The AAD is the header from Nonce on (32 bytes).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { CIPHER, DIALECT, SMB2_TRANSFORM_MAGIC } from './constants.js'
import { kdf } from './signing.js'

const HEADER = 52
const z = (s: string) => Buffer.from(`${s}\0`, 'latin1')

export interface CipherKeys {
  cipher: number
  /** Client → server. */
  decrypt: Buffer
  /** Server → client. */
  encrypt: Buffer
}

export function cipherKeys(dialect: number, cipher: number, sessionKey: Buffer, preauth?: Buffer): CipherKeys {
  const sk = sessionKey.subarray(0, 16)
  if (dialect === DIALECT.SMB311) {
    const ctx = preauth ?? Buffer.alloc(64)
    return { cipher, decrypt: kdf(sk, z('SMBC2SCipherKey'), ctx), encrypt: kdf(sk, z('SMBS2CCipherKey'), ctx) }
  }
  return { cipher, decrypt: kdf(sk, z('SMB2AESCCM'), z('ServerIn ')), encrypt: kdf(sk, z('SMB2AESCCM'), z('ServerOut')) }
}

const algo = (cipher: number) => (cipher === CIPHER.AES_128_GCM ? 'aes-128-gcm' : 'aes-128-ccm')
const nonceLen = (cipher: number) => (cipher === CIPHER.AES_128_GCM ? 12 : 11)

export function transformSessionId(msg: Buffer): bigint | undefined {
  if (msg.length < HEADER || !msg.subarray(0, 4).equals(SMB2_TRANSFORM_MAGIC)) return undefined
  return msg.readBigUInt64LE(44)
}

/** Decrypt a transformed message; undefined when the tag does not verify or sizes are off. */
export function decryptMessage(msg: Buffer, keys: CipherKeys): Buffer | undefined {
  if (msg.length < HEADER) return undefined
  const size = msg.readUInt32LE(36)
  if (size !== msg.length - HEADER) return undefined
  const n = nonceLen(keys.cipher)
  const aad = msg.subarray(20, HEADER)
  try {
    const d = createDecipheriv(algo(keys.cipher) as 'aes-128-gcm', keys.decrypt, msg.subarray(20, 20 + n), { authTagLength: 16 })
    d.setAuthTag(msg.subarray(4, 20))
    d.setAAD(aad, { plaintextLength: size })
    return Buffer.concat([d.update(msg.subarray(HEADER)), d.final()])
  } catch {
    return undefined
  }
}

export function encryptMessage(plain: Buffer, keys: CipherKeys, sessionId: bigint): Buffer {
  const h = Buffer.alloc(HEADER)
  SMB2_TRANSFORM_MAGIC.copy(h, 0)
  const n = nonceLen(keys.cipher)
  const nonce = randomBytes(n)
  nonce.copy(h, 20)
  h.writeUInt32LE(plain.length, 36)
  h.writeUInt16LE(1, 42)
  h.writeBigUInt64LE(sessionId, 44)
  const c = createCipheriv(algo(keys.cipher) as 'aes-128-gcm', keys.encrypt, nonce, { authTagLength: 16 })
  c.setAAD(h.subarray(20, HEADER), { plaintextLength: plain.length })
  const body = Buffer.concat([c.update(plain), c.final()])
  c.getAuthTag().copy(h, 4)
  return Buffer.concat([h, body])
}
