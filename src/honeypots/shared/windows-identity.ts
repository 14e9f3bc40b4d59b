// The Windows identity an emulator claims on the wire (NTLM target info, SMB,
// RDP certificates): NetBIOS and DNS names from the persona hostname and an
// optional AD domain, and a Windows build matching the decky's OS family.
import type { HoneypotContext } from '../../runtime/context.js'
import type { TargetNames, WindowsVersion } from './ntlmssp.js'

export interface WindowsIdentity extends TargetNames {
  /** e.g. "Windows Server 2019 Standard 17763" */
  productName: string
}

interface Build {
  version: WindowsVersion
  product: string
}

/** Builds by persona OS family; one is chosen per decky. */
const SERVER_BUILDS: readonly Build[] = [
  { version: { major: 10, minor: 0, build: 17763 }, product: 'Windows Server 2019 Standard' },
  { version: { major: 10, minor: 0, build: 20348 }, product: 'Windows Server 2022 Standard' },
  { version: { major: 10, minor: 0, build: 14393 }, product: 'Windows Server 2016 Standard' },
]
const DESKTOP_BUILDS: readonly Build[] = [
  { version: { major: 10, minor: 0, build: 19045 }, product: 'Windows 10 Pro' },
  { version: { major: 10, minor: 0, build: 22631 }, product: 'Windows 11 Pro' },
]

const NETBIOS_MAX = 15

function netbios(name: string): string {
  const label = (name.split('.')[0] ?? name).toUpperCase().replace(/[^A-Z0-9!@#$%^&()\-_'{}.~]/g, '')
  return (label || 'WIN').slice(0, NETBIOS_MAX)
}

const cfgString = (ctx: HoneypotContext, key: string): string | undefined => {
  const v = ctx.config[key]
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined
}

/** Parses "10.0.17763" (persona key os_version), else undefined. */
export function parseVersion(s: string | undefined): WindowsVersion | undefined {
  const m = s?.match(/^(\d{1,2})\.(\d{1,2})\.(\d{1,5})$/)
  if (!m) return undefined
  return { major: Number(m[1]), minor: Number(m[2]), build: Number(m[3]) }
}

export function windowsIdentity(ctx: HoneypotContext): WindowsIdentity {
  const host = ctx.decky.hostname || 'WIN-SRV'
  const nbComputer = netbios(host)
  const builds = ctx.decky.osFamily === 'windows' ? DESKTOP_BUILDS : SERVER_BUILDS
  // Every service of a decky must claim the same build: decky-level RNG.
  const picked = ctx.deckyRng.fork('windows/build').pick(builds)
  const version = parseVersion(cfgString(ctx, 'os_version')) ?? picked.version
  const productName = `${picked.product} ${version.build}`
  const domain = cfgString(ctx, 'domain')?.toLowerCase()
  const shortHost = (host.split('.')[0] ?? host)
  if (domain) {
    return {
      nbComputer,
      nbDomain: netbios(domain),
      dnsComputer: `${shortHost.toLowerCase()}.${domain}`,
      dnsDomain: domain,
      dnsTree: domain,
      domainJoined: true,
      version,
      productName,
    }
  }
  return { nbComputer, nbDomain: nbComputer, dnsComputer: shortHost, dnsDomain: shortHost, domainJoined: false, version, productName }
}
