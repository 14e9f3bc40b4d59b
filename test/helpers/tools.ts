// The external tools the tests run, declared once and found one way: on PATH.
// `requireTools(t, ...)` skips a test when something is missing, or — in strict
// mode (DECNET_STRICT_E2E=1 or CI=true, what .ci/run uses) — fails it, naming
// what is missing and the Debian package that provides it.
import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { spawnSync } from 'node:child_process'
import type { TestContext } from 'node:test'

/** Every external program a test runs → the Debian package (.ci/install-debian.sh) that provides it. */
export const TOOLS = {
  nmap: 'nmap',
  smbclient: 'smbclient',
  rpcclient: 'smbclient',
  python3: 'python3',
  xfreerdp: 'freerdp2-x11',
  'xvfb-run': 'xvfb',
  'ssh-audit': 'ssh-audit',
  tcpdump: 'tcpdump',
  tshark: 'tshark',
  ssh: 'openssh-client',
  scp: 'openssh-client',
  'ssh-keygen': 'openssh-client',
  sshpass: 'sshpass',
  curl: 'curl',
  openssl: 'openssl',
  logger: 'bsdutils',
  runuser: 'util-linux',
  useradd: 'passwd',
  hydra: 'hydra',
  tftp: 'tftp-hpa',
  swaks: 'swaks',
} as const

export type Tool = keyof typeof TOOLS

/** Requirements that are not programs on PATH. */
export const EXTRAS = {
  /** impacket, imported by a python3 on PATH */
  impacket: 'python3-impacket',
  /** running as root (tcpdump, useradd/runuser) */
  root: 'run the lane as root',
  linux: 'Linux',
} as const

export type Requirement = Tool | keyof typeof EXTRAS

export function strictMode(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.DECNET_STRICT_E2E === '1' || env.CI === 'true'
}

/** The absolute path of `name` on PATH, or undefined. */
export function which(name: string, path = process.env.PATH ?? ''): string | undefined {
  return whichAll(name, path)[0]
}

/** Every executable `name` on PATH, in PATH order. */
export function whichAll(name: string, path = process.env.PATH ?? ''): string[] {
  const found: string[] = []
  for (const dir of path.split(delimiter)) {
    if (!dir) continue
    const p = join(dir, name)
    try {
      accessSync(p, constants.X_OK)
      if (statSync(p).isFile() && !found.includes(p)) found.push(p)
    } catch {
      // not here
    }
  }
  return found
}

const cache = new Map<Requirement, boolean>()

function present(r: Requirement): boolean {
  let ok = cache.get(r)
  if (ok !== undefined) return ok
  if (r === 'root') ok = process.getuid?.() === 0
  else if (r === 'linux') ok = process.platform === 'linux'
  else if (r === 'impacket') ok = impacketPythonOrUndefined() !== undefined
  else ok = which(r) !== undefined
  cache.set(r, ok)
  return ok
}

/** What of `reqs` is missing, each with where it comes from; empty when all are there. */
export function missing(...reqs: Requirement[]): string[] {
  return reqs.filter((r) => !present(r)).map((r) => {
    if (r in TOOLS) return `${r} (apt-get install ${TOOLS[r as Tool]})`
    if (r === 'impacket') return `impacket (apt-get install ${EXTRAS.impacket})`
    return `${r} (${EXTRAS[r as keyof typeof EXTRAS]})`
  })
}

/** The absolute path of a declared tool; throws when it is not on PATH. */
export function tool(name: Tool): string {
  const p = which(name)
  if (!p) throw new Error(`${name} is not on PATH (apt-get install ${TOOLS[name]})`)
  return p
}

function impacketPythonOrUndefined(): string | undefined {
  // the first python3 on PATH may be another one (a pyenv shim without Debian's
  // dist-packages): take the first python3 on PATH that imports impacket
  return whichAll('python3').find((py) => spawnSync(py, ['-c', 'import impacket.smbconnection'], { stdio: 'ignore' }).status === 0)
}

/** The python interpreter impacket is installed for (the first python3 on PATH that imports it). */
export function impacketPython(): string {
  const py = impacketPythonOrUndefined()
  if (!py) throw new Error(`impacket is missing (apt-get install ${EXTRAS.impacket})`)
  return py
}

/**
 * True when everything in `reqs` is there. Otherwise: in strict mode throws
 * (the test fails, naming what is missing); locally skips the test and returns false.
 */
export function requireTools(t: TestContext, ...reqs: Requirement[]): boolean {
  const gone = missing(...reqs)
  if (gone.length === 0) return true
  const why = `missing: ${gone.join(', ')}`
  if (strictMode()) throw new Error(`strict mode (DECNET_STRICT_E2E/CI): ${why}`)
  t.skip(why)
  return false
}
