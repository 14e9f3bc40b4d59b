// MD4 (RFC 1320) and RC4, which NTLM needs and OpenSSL 3 no longer offers by
// default. Small, allocation-light, for short inputs (passwords, keys).

const rotl = (x: number, n: number) => ((x << n) | (x >>> (32 - n))) >>> 0

/** MD4 digest (16 bytes) of `data`. */
export function md4(data: Buffer): Buffer {
  const bitLen = BigInt(data.length) * 8n
  const padLen = ((data.length + 8) >> 6) * 64 + 64
  const msg = Buffer.alloc(padLen)
  data.copy(msg)
  msg[data.length] = 0x80
  msg.writeBigUInt64LE(bitLen, padLen - 8)
  let a = 0x67452301
  let b = 0xefcdab89
  let c = 0x98badcfe
  let d = 0x10325476
  const x = new Array<number>(16)
  const F = (p: number, q: number, r: number) => (p & q) | (~p & r)
  const G = (p: number, q: number, r: number) => (p & q) | (p & r) | (q & r)
  const H = (p: number, q: number, r: number) => p ^ q ^ r
  for (let off = 0; off < padLen; off += 64) {
    for (let i = 0; i < 16; i++) x[i] = msg.readUInt32LE(off + i * 4)
    const xi = (i: number) => x[i] as number
    const [aa, bb, cc, dd] = [a, b, c, d]
    for (const i of [0, 4, 8, 12]) {
      a = rotl((a + F(b, c, d) + xi(i)) >>> 0, 3)
      d = rotl((d + F(a, b, c) + xi(i + 1)) >>> 0, 7)
      c = rotl((c + F(d, a, b) + xi(i + 2)) >>> 0, 11)
      b = rotl((b + F(c, d, a) + xi(i + 3)) >>> 0, 19)
    }
    for (const i of [0, 1, 2, 3]) {
      a = rotl((a + G(b, c, d) + xi(i) + 0x5a827999) >>> 0, 3)
      d = rotl((d + G(a, b, c) + xi(i + 4) + 0x5a827999) >>> 0, 5)
      c = rotl((c + G(d, a, b) + xi(i + 8) + 0x5a827999) >>> 0, 9)
      b = rotl((b + G(c, d, a) + xi(i + 12) + 0x5a827999) >>> 0, 13)
    }
    for (const i of [0, 2, 1, 3]) {
      a = rotl((a + H(b, c, d) + xi(i) + 0x6ed9eba1) >>> 0, 3)
      d = rotl((d + H(a, b, c) + xi(i + 8) + 0x6ed9eba1) >>> 0, 9)
      c = rotl((c + H(d, a, b) + xi(i + 4) + 0x6ed9eba1) >>> 0, 11)
      b = rotl((b + H(c, d, a) + xi(i + 12) + 0x6ed9eba1) >>> 0, 15)
    }
    a = (a + aa) >>> 0
    b = (b + bb) >>> 0
    c = (c + cc) >>> 0
    d = (d + dd) >>> 0
  }
  const out = Buffer.alloc(16)
  out.writeUInt32LE(a, 0)
  out.writeUInt32LE(b, 4)
  out.writeUInt32LE(c, 8)
  out.writeUInt32LE(d, 12)
  return out
}

/** A stateful RC4 stream (NTLM sealing handles keep their state across messages). */
export class Rc4 {
  readonly #s = new Uint8Array(256)
  #i = 0
  #j = 0
  constructor(key: Buffer) {
    for (let i = 0; i < 256; i++) this.#s[i] = i
    let j = 0
    for (let i = 0; i < 256; i++) {
      j = (j + (this.#s[i] as number) + (key[i % key.length] as number)) & 0xff
      const t = this.#s[i] as number
      this.#s[i] = this.#s[j] as number
      this.#s[j] = t
    }
  }

  update(data: Buffer): Buffer {
    const out = Buffer.alloc(data.length)
    for (let k = 0; k < data.length; k++) {
      this.#i = (this.#i + 1) & 0xff
      this.#j = (this.#j + (this.#s[this.#i] as number)) & 0xff
      const t = this.#s[this.#i] as number
      this.#s[this.#i] = this.#s[this.#j] as number
      this.#s[this.#j] = t
      out[k] = (data[k] as number) ^ (this.#s[((this.#s[this.#i] as number) + t) & 0xff] as number)
    }
    return out
  }
}

/** NT hash: MD4 of the UTF-16LE password. */
export function ntHash(password: string): Buffer {
  return md4(Buffer.from(password, 'utf16le'))
}
