// Who the emulated machine is: hostname, address, accounts, hardware, boot
// time. Built once per decky from the persona config and the decky's seeded
// RNG, so every session (ssh, telnet) sees the same machine.
import type { SeededRng } from '../../../runtime/rng.js'
import type { HoneypotContext } from '../../../runtime/context.js'
import { distroPersona, type DistroPersona } from './distro.js'

export interface ShellUser {
  name: string
  uid: number
  gid: number
  home: string
  shell: string
  /** Bait password (undefined: no password login). */
  password?: string
  /** May use sudo with its own password. */
  sudo: boolean
  groups: { name: string; gid: number }[]
}

export interface ShellPersona {
  hostname: string
  ip: string
  mac: string
  distro: DistroPersona
  users: ShellUser[]
  /** ms since epoch of the fake boot. */
  bootTime: number
  cpuModel: string
  cores: number
  memKb: number
  diskGb: number
  /** A plausible earlier login shown in "Last login:" on the first session. */
  lastLoginFrom: string
  lastLoginAt: Date
}

export interface PersonaInput {
  hostname: string
  ip: string
  distro: string
  rootPassword: string
  user?: string
  userPassword?: string
  rng: SeededRng
  now?: number
}

const CPUS = [
  ['Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz', 4],
  ['Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz', 8],
  ['Intel(R) Xeon(R) Silver 4214 CPU @ 2.20GHz', 4],
  ['AMD EPYC 7402P 24-Core Processor', 8],
  ['Intel(R) Xeon(R) CPU E5-2650 v2 @ 2.60GHz', 2],
  ['AMD EPYC 7763 64-Core Processor', 4],
] as const
const MEM_GB = [2, 4, 8, 16, 32]

export function buildPersona(p: PersonaInput): ShellPersona {
  const distro = distroPersona(p.distro)
  const rng = p.rng.fork('shell/persona')
  const now = p.now ?? Date.now()
  const [cpuModel, cores] = rng.pick(CPUS)
  const sudoGid = distro.sudoGroup === 'wheel' ? 10 : 27
  const users: ShellUser[] = [
    { name: 'root', uid: 0, gid: 0, home: '/root', shell: distro.shell, password: p.rootPassword, sudo: true, groups: [{ name: 'root', gid: 0 }] },
  ]
  const second = p.user?.trim()
  if (second && second !== 'root' && /^[a-z_][a-z0-9_.-]{0,31}$/i.test(second)) {
    users.push({
      name: second, uid: 1000, gid: 1000, home: `/home/${second}`, shell: distro.shell, password: p.userPassword, sudo: true,
      groups: [{ name: second, gid: 1000 }, { name: distro.sudoGroup, gid: sudoGid }],
    })
  }
  const mac = ['52', '54', '00', ...Array.from({ length: 3 }, () => rng.int(0, 255).toString(16).padStart(2, '0'))].join(':')
  const subnet = p.ip.split('.').slice(0, 3).join('.')
  return {
    hostname: p.hostname,
    ip: p.ip,
    mac,
    distro,
    users,
    bootTime: now - rng.int(3600, 45 * 86400) * 1000,
    cpuModel,
    cores,
    memKb: rng.pick(MEM_GB) * 1024 * 1024 - rng.int(100_000, 300_000),
    diskGb: rng.pick([20, 40, 50, 80, 100, 160]),
    lastLoginFrom: /^\d+\.\d+\.\d+$/.test(subnet) && subnet !== '127.0.0' ? `${subnet}.${rng.int(2, 60)}` : `10.0.0.${rng.int(2, 60)}`,
    lastLoginAt: new Date(now - rng.int(3600, 20 * 86400) * 1000),
  }
}

export function findUser(persona: ShellPersona, name: string): ShellUser | undefined {
  return persona.users.find((u) => u.name === name)
}

/** A persona key of the ssh/telnet plugins as a string (password, user, user_password, hostname, version). */
export function personaKey(ctx: HoneypotContext, key: string): string | undefined {
  const v = ctx.config[key]
  return v === undefined ? undefined : String(v)
}

/**
 * The decky's machine as its login services show it: one builder for ssh and
 * telnet, from their shared persona keys (hostname, password, user,
 * user_password) and the decky's distro.
 */
export function shellPersonaOf(ctx: HoneypotContext): { persona: ShellPersona; hostname: string; distro: DistroPersona } {
  const distro = distroPersona(ctx.decky.distro)
  const hostname = personaKey(ctx, 'hostname') || ctx.decky.hostname
  const persona = buildPersona({
    hostname,
    ip: ctx.decky.ip,
    distro: distro.slug,
    rootPassword: personaKey(ctx, 'password') ?? 'admin',
    user: personaKey(ctx, 'user') ?? 'ubuntu',
    userPassword: personaKey(ctx, 'user_password') ?? 'admin',
    rng: ctx.rng,
  })
  return { persona, hostname, distro }
}
