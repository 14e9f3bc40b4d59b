// The install secret: 32 random bytes created once per data dir. It seeds
// every decky's RNG, so two installs never share hostnames, keys or serials.
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { decnetHome } from './paths.js'

const FILE = 'install-secret'

export function readInstallSecret(home: string = decnetHome()): Buffer {
  const path = join(home, FILE)
  try {
    const hex = readFileSync(path, 'utf8').trim()
    if (/^[0-9a-f]{64}$/.test(hex)) return Buffer.from(hex, 'hex')
  } catch {
    // first run: created below
  }
  mkdirSync(home, { recursive: true, mode: 0o700 })
  const secret = randomBytes(32)
  try {
    writeFileSync(path, secret.toString('hex') + '\n', { mode: 0o600, flag: 'wx' })
    return secret
  } catch {
    // another process won the race: use its secret
    return Buffer.from(readFileSync(path, 'utf8').trim(), 'hex')
  }
}
