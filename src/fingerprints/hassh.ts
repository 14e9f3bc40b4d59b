// HASSH and HASSHServer (Salesforce, BSD-3-Clause; github.com/salesforce/hassh):
//   hassh       = MD5("kex;enc_c2s;mac_c2s;comp_c2s") of the client's KEXINIT
//   hasshServer = MD5("kex;enc_s2c;mac_s2c;comp_s2c") of the server's KEXINIT
// One computation for the sniffer (both sides of a captured handshake) and the
// ssh emulator (its clients), from the payload of SSH_MSG_KEXINIT.
import { createHash } from 'node:crypto'

/** The name-lists of SSH_MSG_KEXINIT (RFC 4253 §7.1) that HASSH reads. */
export interface KexInit {
  kex: string
  hostKey: string
  encC2s: string
  encS2c: string
  macC2s: string
  macS2c: string
  compC2s: string
  compS2c: string
}

export interface Hassh {
  hash: string
  /** The string that is hashed. */
  algorithms: string
}

const SSH_MSG_KEXINIT = 20
const COOKIE_BYTES = 16

const md5 = (s: string): string => createHash('md5').update(s).digest('hex')

/**
 * Name-lists are US-ASCII (RFC 4251 §5); anything else in attacker bytes
 * becomes '?' so the hashed string and the event field are the same text.
 */
function ascii(b: Buffer, start: number, end: number): string {
  let s = ''
  for (let i = start; i < end; i++) {
    const c = b[i]!
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '?'
  }
  return s
}

/**
 * The payload of SSH_MSG_KEXINIT (RFC 4253 §7.1): byte 20, byte[16] cookie,
 * name-list × 10, boolean first_kex_packet_follows, uint32 0. undefined when
 * malformed or short; never throws.
 */
export function parseKexInit(payload: Buffer): KexInit | undefined {
  if (payload.length < 1 + COOKIE_BYTES || payload[0] !== SSH_MSG_KEXINIT) return undefined
  const lists: string[] = []
  let p = 1 + COOKIE_BYTES
  for (let i = 0; i < 10; i++) {
    if (p + 4 > payload.length) return undefined
    const len = payload.readUInt32BE(p)
    p += 4
    if (len > payload.length - p) return undefined
    lists.push(ascii(payload, p, p + len))
    p += len
  }
  if (p + 5 > payload.length) return undefined
  const [kex, hostKey, encC2s, encS2c, macC2s, macS2c, compC2s, compS2c] = lists as [string, string, string, string, string, string, string, string]
  return { kex, hostKey, encC2s, encS2c, macC2s, macS2c, compC2s, compS2c }
}

export function hassh(k: KexInit): Hassh {
  const algorithms = `${k.kex};${k.encC2s};${k.macC2s};${k.compC2s}`
  return { hash: md5(algorithms), algorithms }
}

export function hasshServer(k: KexInit): Hassh {
  const algorithms = `${k.kex};${k.encS2c};${k.macS2c};${k.compS2c}`
  return { hash: md5(algorithms), algorithms }
}
