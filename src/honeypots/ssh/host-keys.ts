// Per-decky host keys like `ssh-keygen -A` makes (RSA, ECDSA P-256, Ed25519),
// derived from the decky's seeded RNG (same install + decky → same keys, so
// a rebuilt state dir does not change the fingerprint an attacker saw) and
// stored once under the service's state dir in OpenSSH's own format.
import { checkPrime, createECDH, createHash, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import ssh2 from 'ssh2'
import type { ParsedKey } from 'ssh2'
import type { SeededRng } from '../../runtime/rng.js'

export type HostKeyType = 'rsa' | 'ecdsa' | 'ed25519'
/** ssh-keygen -A order; OpenSSH offers host key algorithms in this order. */
export const HOST_KEY_TYPES: readonly HostKeyType[] = ['rsa', 'ecdsa', 'ed25519']

export interface HostKey {
  type: HostKeyType
  parsed: ParsedKey
  /** SHA256:base64 (no padding), as ssh-keygen -l prints it. */
  fingerprint: string
}

/** SSH string: uint32 length + bytes. */
function sshString(b: Buffer | string): Buffer {
  const data = typeof b === 'string' ? Buffer.from(b) : b
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  return Buffer.concat([len, data])
}

function bigToBuf(n: bigint): Buffer {
  let hex = n.toString(16)
  if (hex.length % 2) hex = '0' + hex
  return Buffer.from(hex, 'hex')
}

/** SSH mpint (two's complement, leading zero when the top bit is set). */
function mpint(n: bigint): Buffer {
  let b = bigToBuf(n)
  if ((b[0] ?? 0) & 0x80) b = Buffer.concat([Buffer.alloc(1), b])
  return sshString(b)
}

const bufToBig = (b: Buffer) => BigInt('0x' + (b.toString('hex') || '0'))

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [a % m, m]
  let [oldS, s] = [1n, 0n]
  while (r !== 0n) {
    const q = oldR / r
    ;[oldR, r] = [r, oldR - q * r]
    ;[oldS, s] = [s, oldS - q * s]
  }
  return ((oldS % m) + m) % m
}

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b))

/** openssh-key-v1 container, unencrypted, one key. */
export function opensshPrivateKey(pubBlob: Buffer, keyType: string, privFields: Buffer, comment: string, checkint: Buffer): string {
  let priv = Buffer.concat([checkint, checkint, sshString(keyType), privFields, sshString(comment)])
  const pad: number[] = []
  for (let i = 1; (priv.length + pad.length) % 8 !== 0; i++) pad.push(i)
  priv = Buffer.concat([priv, Buffer.from(pad)])
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'), sshString('none'), sshString('none'), sshString(''),
    Buffer.from([0, 0, 0, 1]), sshString(pubBlob), sshString(priv),
  ])
  const b64 = body.toString('base64').match(/.{1,70}/g)?.join('\n') ?? ''
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}\n-----END OPENSSH PRIVATE KEY-----\n`
}

function ed25519Key(rng: SeededRng, comment: string): string {
  const seed = rng.bytes(32)
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed])
  const jwk = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({ format: 'jwk' })
  const pub = Buffer.from(jwk.x as string, 'base64url')
  const blob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)])
  const fields = Buffer.concat([sshString(pub), sshString(Buffer.concat([seed, pub]))])
  return opensshPrivateKey(blob, 'ssh-ed25519', fields, comment, rng.bytes(4))
}

const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551')

function ecdsaKey(rng: SeededRng, comment: string): string {
  const d = (bufToBig(rng.bytes(40)) % (P256_N - 1n)) + 1n
  const dBuf = Buffer.alloc(32)
  bigToBuf(d).copy(dBuf, 32 - bigToBuf(d).length)
  const ecdh = createECDH('prime256v1')
  ecdh.setPrivateKey(dBuf)
  const q = ecdh.getPublicKey()
  const blob = Buffer.concat([sshString('ecdsa-sha2-nistp256'), sshString('nistp256'), sshString(q)])
  const fields = Buffer.concat([sshString('nistp256'), sshString(q), mpint(d)])
  return opensshPrivateKey(blob, 'ecdsa-sha2-nistp256', fields, comment, rng.bytes(4))
}

const E = 65537n

const isPrime = promisify(checkPrime) as (c: bigint, o: { checks: number }) => Promise<boolean>
/** Odd primes below 2000: trial division skips most candidates before OpenSSL's test. */
const SMALL_PRIMES: readonly bigint[] = (() => {
  const out: bigint[] = []
  for (let n = 3; n < 2000; n += 2) if (out.every((p) => BigInt(n) % p !== 0n)) out.push(BigInt(n))
  return out
})()

/**
 * A prime of exactly `bits` bits with the top two bits set, from the seeded
 * stream. OpenSSL's test runs in the thread pool, so deriving a key never
 * stalls the other deckies' services.
 */
async function seededPrime(rng: SeededRng, bits: number): Promise<bigint> {
  const bytes = bits / 8
  for (;;) {
    const b = rng.bytes(bytes)
    b[0] = (b[0] as number) | 0xc0
    b[bytes - 1] = (b[bytes - 1] as number) | 1
    let c = bufToBig(b)
    // walk odd numbers from the seeded start
    for (let i = 0; i < 20_000; i++, c += 2n) {
      if ((c - 1n) % E === 0n) continue
      if (SMALL_PRIMES.some((p) => c % p === 0n)) continue
      if (await isPrime(c, { checks: 0 })) return c
    }
  }
}

async function rsaKey(rng: SeededRng, bits: number, comment: string): Promise<string> {
  const p = await seededPrime(rng, bits / 2)
  let q = await seededPrime(rng, bits / 2)
  while (q === p) q = await seededPrime(rng, bits / 2)
  const n = p * q
  const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n)
  const d = modInverse(E, lambda)
  const iqmp = modInverse(q, p)
  const blob = Buffer.concat([sshString('ssh-rsa'), mpint(E), mpint(n)])
  const fields = Buffer.concat([mpint(n), mpint(E), mpint(d), mpint(iqmp), mpint(p), mpint(q)])
  return opensshPrivateKey(blob, 'ssh-rsa', fields, comment, rng.bytes(4))
}

/** SHA256 fingerprint of a public key blob in OpenSSH's display form. */
export function sha256Fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')
}

export async function deriveHostKey(type: HostKeyType, rng: SeededRng, opts: { rsaBits: number; comment: string }): Promise<string> {
  const r = rng.fork(`ssh/hostkey/${type}`)
  if (type === 'ed25519') return ed25519Key(r, opts.comment)
  if (type === 'ecdsa') return ecdsaKey(r, opts.comment)
  return rsaKey(r, opts.rsaBits, opts.comment)
}

function parse(pem: string): ParsedKey | undefined {
  const k = ssh2.utils.parseKey(pem)
  if (k instanceof Error) return undefined
  const key = Array.isArray(k) ? k[0] : k
  return key && key.getPrivatePEM() ? key : undefined
}

/**
 * Loads `ssh_host_<type>_key` from the state dir, or derives and stores it.
 * A key file an operator put there wins over the derived one.
 */
export async function loadHostKeys(stateDir: string, rng: SeededRng, opts: { rsaBits: number; comment: string }): Promise<HostKey[]> {
  const out: HostKey[] = []
  for (const type of HOST_KEY_TYPES) {
    const path = join(stateDir, `ssh_host_${type}_key`)
    let parsed: ParsedKey | undefined
    try {
      parsed = parse(await readFile(path, 'utf8'))
    } catch {
      parsed = undefined
    }
    if (!parsed) {
      const pem = await deriveHostKey(type, rng, opts)
      parsed = parse(pem)
      if (!parsed) throw new Error(`derived ${type} host key does not parse`)
      const tmp = `${path}.${randomBytes(4).toString('hex')}`
      await writeFile(tmp, pem, { mode: 0o600 })
      await rename(tmp, path)
      await writeFile(`${path}.pub`, `${parsed.type === 'ssh-rsa' ? 'ssh-rsa' : parsed.type} ${parsed.getPublicSSH().toString('base64')} ${opts.comment}\n`, { mode: 0o644 })
    }
    out.push({ type, parsed, fingerprint: sha256Fingerprint(parsed.getPublicSSH()) })
  }
  return out
}
