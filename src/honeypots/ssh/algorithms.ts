// The KEXINIT lists the persona's OpenSSH sends, cut down to what ssh2 can
// actually negotiate (advertising an algorithm we cannot run would break the
// handshake of every client that prefers it). docs/ssh.md lists the cuts.
import { createRequire } from 'node:module'
import type { Algorithms } from 'ssh2'
import type { SshAlgorithms } from '../shared/shell/distro.js'

interface Ssh2Constants {
  SUPPORTED_KEX: string[]
  SUPPORTED_SERVER_HOST_KEY: string[]
  SUPPORTED_CIPHER: string[]
  SUPPORTED_MAC: string[]
  SUPPORTED_COMPRESSION: string[]
}

const require = createRequire(import.meta.url)
const C = require('ssh2/lib/protocol/constants.js') as Ssh2Constants

/** What ssh2 would offer with our config (patched server.js honours kexMarkers). */
export interface ServerAlgorithms extends Algorithms {
  kexMarkers: string[]
}

export interface AlgorithmPlan {
  algorithms: ServerAlgorithms
  /** Algorithms of the real OpenSSH that ssh2 cannot do, per list. */
  dropped: Record<string, string[]>
}

function keep(wanted: readonly string[], supported: readonly string[]): [string[], string[]] {
  return [wanted.filter((a) => supported.includes(a)), wanted.filter((a) => !supported.includes(a))]
}

export function planAlgorithms(want: SshAlgorithms): AlgorithmPlan {
  const [kex, kexDrop] = keep(want.kex, C.SUPPORTED_KEX)
  const [hostKey, hkDrop] = keep(want.hostKey, C.SUPPORTED_SERVER_HOST_KEY)
  const [cipher, cDrop] = keep(want.cipher, C.SUPPORTED_CIPHER)
  const [mac, mDrop] = keep(want.mac, C.SUPPORTED_MAC)
  const [compress, zDrop] = keep(want.compress, C.SUPPORTED_COMPRESSION)
  return {
    algorithms: {
      kex: kex as Algorithms['kex'],
      serverHostKey: hostKey as Algorithms['serverHostKey'],
      cipher: cipher as Algorithms['cipher'],
      hmac: mac as Algorithms['hmac'],
      compress: compress as Algorithms['compress'],
      kexMarkers: [...want.kexMarkers],
    },
    dropped: { kex: kexDrop, hostKey: hkDrop, cipher: cDrop, mac: mDrop, compress: zDrop },
  }
}
