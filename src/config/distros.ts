// Distro profiles: the catalogue of Linux distributions a decky can claim —
// the base image its base container runs, and the hostname style it claims.
// Order matters: fleets cycle through this list. Hostnames come from a seeded
// RNG the caller passes in (per install and decky), never from a shared
// constant or Math.random. What the emulated OS says about itself (ssh
// banner and algorithms, /etc/os-release, uname, motd) extends this profile
// in src/honeypots/shared/shell/distro.ts (DistroPersona).
import { UserError } from '../errors.js'

export type HostnameStyle = 'generic' | 'rhel' | 'minimal' | 'rolling'

export type DistroSlug = 'debian' | 'ubuntu22' | 'ubuntu20' | 'rocky9' | 'centos7' | 'alpine' | 'fedora' | 'kali' | 'arch'

/** The distro emulators fall back to for an unknown or non-Linux slug. */
export const DEFAULT_DISTRO: DistroSlug = 'debian'

export interface DistroProfile {
  slug: DistroSlug
  /** Base image, pinned by digest (tag kept for readability). */
  image: string
  displayName: string
  hostnameStyle: HostnameStyle
  /** Image our service containers build FROM for this distro. */
  buildBase: string
}

const DEBIAN = 'debian:bookworm-slim@sha256:f9c6a2fd2ddbc23e336b6257a5245e31f996953ef06cd13a59fa0a1df2d5c252'
const UBUNTU22 = 'ubuntu:22.04@sha256:962f6cadeae0ea6284001009daa4cc9a8c37e75d1f5191cf0eb83fe565b63dd7'
const UBUNTU20 = 'ubuntu:20.04@sha256:8feb4d8ca5354def3d8fce243717141ce31e2c428701f6682bd2fafe15388214'
const KALI = 'kalilinux/kali-rolling@sha256:1fd0364490011f245688c6ed9fee498a11cd779badfbb0b1d3a721d0f49f2d15'

export const DISTROS: readonly DistroProfile[] = Object.freeze(([
  { slug: 'debian', image: DEBIAN, displayName: 'Debian 12 (Bookworm)', hostnameStyle: 'generic', buildBase: DEBIAN },
  { slug: 'ubuntu22', image: UBUNTU22, displayName: 'Ubuntu 22.04 LTS (Jammy)', hostnameStyle: 'generic', buildBase: UBUNTU22 },
  { slug: 'ubuntu20', image: UBUNTU20, displayName: 'Ubuntu 20.04 LTS (Focal)', hostnameStyle: 'generic', buildBase: UBUNTU20 },
  {
    slug: 'rocky9',
    image: 'rockylinux:9-minimal@sha256:305de618a5681ff75b1d608fd22b10f362867dff2f550a4f1d427d21cd7f42b4',
    displayName: 'Rocky Linux 9',
    hostnameStyle: 'rhel',
    buildBase: DEBIAN,
  },
  {
    slug: 'centos7',
    image: 'centos:7@sha256:be65f488b7764ad3638f236b7b515b3678369a5124c47b8d32916d6487418ea4',
    displayName: 'CentOS 7',
    hostnameStyle: 'rhel',
    buildBase: DEBIAN,
  },
  {
    slug: 'alpine',
    image: 'alpine:3.19@sha256:6baf43584bcb78f2e5847d1de515f23499913ac9f12bdf834811a3145eb11ca1',
    displayName: 'Alpine Linux 3.19',
    hostnameStyle: 'minimal',
    buildBase: DEBIAN,
  },
  {
    slug: 'fedora',
    image: 'fedora:39@sha256:d63d63fe593749a5e8dbc8152427d40bbe0ece53d884e00e5f3b44859efa5077',
    displayName: 'Fedora 39',
    hostnameStyle: 'rhel',
    buildBase: DEBIAN,
  },
  { slug: 'kali', image: KALI, displayName: 'Kali Linux (Rolling)', hostnameStyle: 'rolling', buildBase: KALI },
  {
    slug: 'arch',
    image: 'archlinux:latest@sha256:5ba8bb318666baef4d33afefc0e65db80f38b23503cb8e7b150d315cc2d4d5da',
    displayName: 'Arch Linux',
    hostnameStyle: 'rolling',
    buildBase: DEBIAN,
  },
] satisfies DistroProfile[]).map((d): DistroProfile => Object.freeze(d)))

const BY_SLUG: ReadonlyMap<string, DistroProfile> = new Map(DISTROS.map((d) => [d.slug, d]))

/** Distro slugs in table order (the round-robin order). */
export function distroSlugs(): string[] {
  return DISTROS.map((d) => d.slug)
}

export function hasDistro(slug: string): slug is DistroSlug {
  return BY_SLUG.has(slug)
}

/** The profile of a slug; an unknown slug is a user error naming the known ones. */
export function getDistro(slug: string): DistroProfile {
  const d = BY_SLUG.get(slug)
  if (!d) throw new UserError('DISTRO_UNKNOWN', `Unknown distro '${slug}'. Available: ${[...BY_SLUG.keys()].sort().join(', ')}`)
  return d
}

/** What hostname generation needs from an RNG (SeededRng fits). */
export interface HostnameRng {
  int(min: number, max: number): number
  pick<T>(items: readonly T[]): T
}

export const HOSTNAME_WORDS: readonly string[] = Object.freeze([
  'alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike',
  'nova', 'oscar', 'prod', 'web', 'db', 'mail', 'proxy', 'dev', 'stage', 'backup', 'monitor', 'files',
])
const MIN_N = 10
const MAX_N = 99

/**
 * A hostname in the distro's style: generic `SRV-DELTA-42`, rhel
 * `delta42.localdomain`, minimal `delta-42`, rolling `delta-nova`.
 */
export function randomHostname(style: HostnameStyle, rng: HostnameRng): string {
  const word = rng.pick(HOSTNAME_WORDS)
  switch (style) {
    case 'rhel':
      return `${word}${rng.int(MIN_N, MAX_N)}.localdomain`
    case 'minimal':
      return `${word}-${rng.int(MIN_N, MAX_N)}`
    case 'rolling': {
      // two different words: `web-web` looks generated
      const second = rng.pick(HOSTNAME_WORDS.filter((w) => w !== word))
      return `${word}-${second}`
    }
    case 'generic':
      return `SRV-${word.toUpperCase()}-${rng.int(MIN_N, MAX_N)}`
  }
}

/** Hostname for a distro slug; an unknown slug uses the generic style. */
export function hostnameForDistro(slug: string, rng: HostnameRng): string {
  return randomHostname(BY_SLUG.get(slug)?.hostnameStyle ?? 'generic', rng)
}
