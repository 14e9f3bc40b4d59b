// HASSH and HASSHServer (Salesforce, BSD-3-Clause; github.com/salesforce/hassh):
//   hassh       = MD5("kex;enc_c2s;mac_c2s;comp_c2s") of the client's KEXINIT
//   hasshServer = MD5("kex;enc_s2c;mac_s2c;comp_s2c") of the server's KEXINIT
import { createHash } from 'node:crypto'
import type { KexInit } from './ident.js'

export interface Hassh {
  hash: string
  algorithms: string
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex')

export function hassh(k: KexInit): Hassh {
  const algorithms = `${k.kex};${k.encC2s};${k.macC2s};${k.compC2s}`
  return { hash: md5(algorithms), algorithms }
}

export function hasshServer(k: KexInit): Hassh {
  const algorithms = `${k.kex};${k.encS2c};${k.macS2c};${k.compS2c}`
  return { hash: md5(algorithms), algorithms }
}
