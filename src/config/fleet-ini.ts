// The fleet deployment INI (docs/fleet-ini.md) → a fleet spec: what each decky
// section asks for, validated and with the line of every key, but without IPs,
// distros or hostnames (src/config/fleet.ts assigns those).
//
// Section kinds, decided in this order:
//  1. [general]          net, gw, interface, log_target, mutate_interval
//  2. [<target>.<svc>]   <svc> is a registered service (built-in or custom):
//                        persona keys of <svc>, validated through the plugin
//  3. [custom-<name>]    binary, exec, ports → a CustomService, registered
//                        BEFORE any decky's services are checked
//  4. anything else      a decky: ip, services, archetype, distro, nmap_os,
//                        mutate_interval, amount
// Fixed from upstream: a subsection's target is a decky name or the
// section name of an `amount` group (so [web.ssh] reaches web-01..web-NN, not
// an unrelated [web-proxy]); persona values are coerced by the plugin schema
// (`nla = false` is false); a group subsection and a per-decky one merge (the
// per-decky key wins); `distro=` and [general] `log_target` exist; `ports=` of a
// custom service refuses non-numbers instead of dropping them. Unknown keys
// are warnings, so upstream files still load.
import { ConfigError, type ErrorCode } from '../errors.js'
import type { CustomServiceSpec, ServiceConfig } from '../config/model.js'
import { CustomService, ServiceConfigError } from '../services/base.js'
import { allServices, deckyServiceNames, getService, hasService, registerCustomService } from '../services/registry.js'
import { getArchetype } from './archetypes.js'
import { hasDistro, distroSlugs } from './distros.js'
import { iniError, quote, readIniFile, type IniDocument, type IniSection, type IniValue } from './ini.js'
import { parseCidr, parseIpv4, contains, formatCidr } from './ipv4.js'

export const MAX_AMOUNT = 100
export const MAX_DECKY_NAME = 63
export const OS_FAMILIES = ['linux', 'windows', 'windows_server', 'bsd', 'embedded', 'cisco'] as const
const DECKY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/
const CUSTOM_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/
const IFACE_NAME = /^[A-Za-z0-9_.:@-]{1,15}$/
const INTEGER = /^[+-]?\d+$/
const GENERAL = 'general'
const CUSTOM_PREFIX = 'custom-'

const GENERAL_KEYS = new Set(['net', 'gw', 'interface', 'log_target', 'log-target', 'mutate_interval', 'mutate-interval'])
const DECKY_KEYS = new Set(['ip', 'services', 'archetype', 'distro', 'nmap_os', 'nmap-os', 'mutate_interval', 'mutate-interval', 'amount'])
const CUSTOM_KEYS = new Set(['binary', 'exec', 'ports'])

/** One decky as the INI describes it (amount groups already expanded). */
export interface IniDeckySpec {
  name: string
  /** The section it came from: its own name, or the amount group's. */
  section: string
  ip?: string
  services?: string[]
  archetype?: string
  distro?: string
  nmapOs?: string
  mutateInterval?: number
  /** Persona values per service, coerced by each plugin's schema. */
  serviceConfig: Record<string, ServiceConfig>
  /** Line of the section header and of each key, for later error messages. */
  line: number
  lines: Record<string, number>
}

export interface IniFleetSpec {
  file: string
  subnet?: string
  gateway?: string
  interface?: string
  logTarget?: string
  mutateInterval?: number
  /** Lines of the [general] keys. */
  lines: Record<string, number>
  deckies: IniDeckySpec[]
  customServices: CustomServiceSpec[]
  /** Non-fatal findings (unknown keys, subsections matching nothing), one line each. */
  warnings: string[]
}

/** A one-line ConfigError about one key of an INI decky (used by fleet.ts too). */
export function deckyError(file: string, d: IniDeckySpec, key: string | undefined, problem: string, code: ErrorCode = 'CONFIG_KEY_INVALID'): ConfigError {
  return iniError(code, file, key ? (d.lines[key] ?? d.line) : d.line, d.section, key, problem)
}

/** `host:port` with a hostname, IPv4 address or [IPv6] host; undefined if malformed. */
export function parseLogTarget(s: string): string | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(s.trim())
  if (!m) return undefined
  const host = m[1] as string
  const port = Number(m[2])
  if (port < 1 || port > 65535) return undefined
  if (!host.startsWith('[')) {
    const labels = host.split('.')
    if (labels.some((l) => !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l))) return undefined
    if (/^[\d.]+$/.test(host) && parseIpv4(host) === undefined) return undefined
  }
  return `${host}:${port}`
}

/** Read `--config` and build the fleet spec. Needs `await loadServices()` first. */
export function loadFleetIni(path: string): IniFleetSpec {
  return fleetSpecFromIni(readIniFile(path))
}

type Kind = 'general' | 'subsection' | 'custom' | 'decky'

function isSubsection(name: string): boolean {
  const dot = name.lastIndexOf('.')
  return dot > 0 && hasService(name.slice(dot + 1))
}

function kindOf(name: string): Kind {
  if (name === GENERAL) return 'general'
  if (isSubsection(name)) return 'subsection'
  if (name.startsWith(CUSTOM_PREFIX)) return 'custom'
  return 'decky'
}

export function fleetSpecFromIni(doc: IniDocument): IniFleetSpec {
  const { file } = doc
  const out: IniFleetSpec = { file, lines: {}, deckies: [], customServices: [], warnings: [] }
  const warnUnknown = (s: IniSection, known: ReadonlySet<string>, what: string) => {
    for (const [k, v] of s.values) {
      if (!v.inherited && !known.has(k)) out.warnings.push(`${file}:${v.line}: [${s.name}] ${k}: unknown key for ${what} (ignored)`)
    }
  }

  // Pass 1: custom services first, so their names are valid everywhere below.
  // Classified before any is registered, so the file's order does not matter.
  const customs = new Set(doc.sections.filter((s) => kindOf(s.name) === 'custom'))
  for (const s of customs) {
    const spec = customSpec(file, s)
    warnUnknown(s, CUSTOM_KEYS, 'a [custom-*] section')
    registerCustomService(new CustomService(spec.name, spec.image, spec.execCmd, spec.ports))
    out.customServices.push(spec)
  }

  // Pass 2: [general] and deckies.
  const groups = new Map<string, IniDeckySpec[]>()
  const byName = new Map<string, IniDeckySpec>()
  const subsections: IniSection[] = []
  for (const s of doc.sections) {
    if (customs.has(s)) continue
    const kind = kindOf(s.name)
    if (kind === 'general') {
      readGeneral(file, s, out)
      warnUnknown(s, GENERAL_KEYS, '[general]')
    } else if (kind === 'subsection') {
      subsections.push(s)
    } else if (kind === 'decky') {
      const deckies = readDecky(file, s)
      warnUnknown(s, DECKY_KEYS, 'a decky section')
      for (const d of deckies) {
        const prev = byName.get(d.name)
        if (prev) throw iniError('CONFIG_DUPLICATE', file, s.line, s.name, undefined, `decky name '${d.name}' is already used by [${prev.section}]`)
        byName.set(d.name, d)
        out.deckies.push(d)
      }
      groups.set(s.name, deckies)
    }
  }
  if (out.deckies.length === 0) {
    throw iniError('FLEET_INVALID', file, undefined, undefined, undefined, 'no decky sections (a decky is any section other than [general], [custom-*] and [<decky>.<service>])')
  }
  // [general] may come after deckies: fill the fleet-wide mutate interval late.
  if (out.mutateInterval !== undefined) {
    for (const d of out.deckies) if (d.mutateInterval === undefined) d.mutateInterval = out.mutateInterval
  }

  // Pass 3: service subsections. Group targets first, so a per-decky subsection's keys win.
  const ordered = [...subsections].sort((a, b) => Number(byName.has(target(a.name))) - Number(byName.has(target(b.name))))
  for (const s of ordered) {
    const t = target(s.name)
    const svcName = s.name.slice(t.length + 1)
    const svc = getService(svcName)
    const deckies = groups.get(t) ?? (byName.has(t) ? [byName.get(t) as IniDeckySpec] : [])
    if (deckies.length === 0) {
      out.warnings.push(`${file}:${s.line}: [${s.name}] matches no decky or decky section named '${t}' (ignored)`)
      continue
    }
    const raw: Record<string, string> = {}
    for (const [k, v] of s.values) raw[k] = v.value
    let cfg: ServiceConfig
    try {
      cfg = svc.validateCfg(raw)
    } catch (e) {
      if (!(e instanceof ServiceConfigError)) throw e
      const v = s.values.get(e.key)
      throw iniError('SERVICE_CONFIG_INVALID', file, v?.line ?? s.line, s.name, e.key, e.message.slice(e.key.length + 2))
    }
    for (const k of svc.unknownKeys(raw)) {
      const v = s.values.get(k) as IniValue
      if (!v.inherited) out.warnings.push(`${file}:${v.line}: [${s.name}] ${k}: not a persona key of service '${svcName}' (ignored)`)
    }
    for (const d of deckies) d.serviceConfig[svcName] = { ...d.serviceConfig[svcName], ...cfg }
  }
  return out
}

function target(subsection: string): string {
  return subsection.slice(0, subsection.lastIndexOf('.'))
}

/** The first of `keys` (aliases) the section sets itself, else the first it inherits. */
function own(s: IniSection, ...keys: string[]): [string, IniValue] | undefined {
  for (const inherited of [false, true]) {
    for (const k of keys) {
      const v = s.values.get(k)
      if (v && v.inherited === inherited) return [k, v]
    }
  }
  return undefined
}

function readInt(file: string, s: IniSection, keys: string[], problem: (v: string) => string, min: number): number | undefined {
  const hit = own(s, ...keys)
  if (!hit || hit[1].value.trim() === '') return undefined
  const [k, v] = hit
  const text = v.value.trim()
  if (!INTEGER.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    throw iniError('CONFIG_KEY_INVALID', file, v.line, s.name, k, problem(v.value))
  }
  return Number(text)
}

function readGeneral(file: string, s: IniSection, out: IniFleetSpec): void {
  const bad = (k: string, v: IniValue, problem: string) => iniError('CONFIG_KEY_INVALID', file, v.line, s.name, k, problem)
  const net = s.values.get('net')
  if (net && net.value !== '') {
    const c = parseCidr(net.value)
    if (!c) throw bad('net', net, `expected an IPv4 network like 192.168.1.0/24, got ${quote(net.value)}`)
    out.subnet = formatCidr(c)
    out.lines.net = net.line
  }
  const gw = s.values.get('gw')
  if (gw && gw.value !== '') {
    const ip = parseIpv4(gw.value.trim())
    if (ip === undefined) throw bad('gw', gw, `expected an IPv4 address, got ${quote(gw.value)}`)
    const c = out.subnet ? parseCidr(out.subnet) : undefined
    if (c && !contains(c, ip)) throw bad('gw', gw, `${gw.value.trim()} is outside net ${out.subnet}`)
    out.gateway = gw.value.trim()
    out.lines.gw = gw.line
  }
  const iface = s.values.get('interface')
  if (iface && iface.value !== '') {
    if (!IFACE_NAME.test(iface.value)) throw bad('interface', iface, `not an interface name: ${quote(iface.value)}`)
    out.interface = iface.value
    out.lines.interface = iface.line
  }
  const lt = own(s, 'log_target', 'log-target')
  if (lt && lt[1].value !== '') {
    const parsed = parseLogTarget(lt[1].value)
    if (!parsed) throw bad(lt[0], lt[1], `expected host:port, got ${quote(lt[1].value)}`)
    out.logTarget = parsed
    out.lines.log_target = lt[1].line
  }
  const mi = readInt(file, s, ['mutate_interval', 'mutate-interval'], (v) => `must be a positive integer (minutes), got '${v}'`, 1)
  if (mi !== undefined) out.mutateInterval = mi
}

function customSpec(file: string, s: IniSection): CustomServiceSpec {
  const name = s.name.slice(CUSTOM_PREFIX.length)
  if (!CUSTOM_NAME.test(name)) {
    throw iniError('CONFIG_SECTION_INVALID', file, s.line, s.name, undefined, `custom service name must be letters, digits, '-' or '_' (at most 63), got ${quote(name)}`)
  }
  const existing = allServices().get(name)
  if (existing && !(existing instanceof CustomService)) {
    throw iniError('CONFIG_SECTION_INVALID', file, s.line, s.name, undefined, `'${name}' is a built-in service; pick another name for a custom service`)
  }
  const image = s.values.get('binary')
  if (!image || image.value.trim() === '') throw iniError('CONFIG_KEY_INVALID', file, image?.line ?? s.line, s.name, 'binary', 'required: the container image to run')
  const ports: number[] = []
  const p = s.values.get('ports')
  for (const item of (p?.value ?? '').split(',').map((x) => x.trim()).filter(Boolean)) {
    const n = /^\d{1,5}$/.test(item) ? Number(item) : NaN
    if (!(n >= 1 && n <= 65535)) throw iniError('CONFIG_KEY_INVALID', file, p?.line ?? s.line, s.name, 'ports', `not a port number: ${quote(item)}`)
    if (!ports.includes(n)) ports.push(n)
  }
  return { name, image: image.value.trim(), execCmd: s.values.get('exec')?.value.trim() ?? '', ports }
}

function normaliseOs(v: string): string {
  return v.trim().toLowerCase().replaceAll('-', '_')
}

function readDecky(file: string, s: IniSection): IniDeckySpec[] {
  const bad = (k: string, v: IniValue, problem: string, code: ErrorCode = 'CONFIG_KEY_INVALID') => iniError(code, file, v.line, s.name, k, problem)
  if (!DECKY_NAME.test(s.name) || s.name.length > MAX_DECKY_NAME) {
    throw iniError('CONFIG_SECTION_INVALID', file, s.line, s.name, undefined, `decky name must start with a letter or digit and use only letters, digits, '-', '_' or '.' (at most ${MAX_DECKY_NAME})`)
  }
  const lines: Record<string, number> = {}
  const base: Omit<IniDeckySpec, 'name'> = { section: s.name, serviceConfig: {}, line: s.line, lines }

  const ip = s.values.get('ip')
  if (ip && ip.value.trim() !== '') {
    if (parseIpv4(ip.value.trim()) === undefined) throw bad('ip', ip, `expected an IPv4 address, got ${quote(ip.value)}`)
    base.ip = ip.value.trim()
    lines.ip = ip.line
  }

  const svc = s.values.get('services')
  const list = (svc?.value ?? '').split(',').map((x) => x.trim()).filter(Boolean)
  if (svc && list.length > 0) {
    lines.services = svc.line
    const known = new Set(deckyServiceNames())
    const singletons = list.filter((n) => hasService(n) && !known.has(n))
    if (singletons.length) throw bad('services', svc, `'${singletons[0]}' is a fleet singleton and cannot run on a decky`, 'SERVICE_UNKNOWN')
    const unknown = list.filter((n) => !known.has(n))
    if (unknown.length) {
      throw bad('services', svc, `Unknown service(s) ${unknown.map((u) => `'${u}'`).join(', ')}. Available: ${[...known].join(', ')}`, 'SERVICE_UNKNOWN')
    }
    base.services = [...new Set(list)]
  }

  const arch = s.values.get('archetype')
  if (arch && arch.value.trim() !== '') {
    try {
      base.archetype = getArchetype(arch.value.trim()).slug
    } catch (e) {
      throw bad('archetype', arch, (e as Error).message, 'ARCHETYPE_UNKNOWN')
    }
    lines.archetype = arch.line
  }

  const distro = s.values.get('distro')
  if (distro && distro.value.trim() !== '') {
    const slug = distro.value.trim()
    if (!hasDistro(slug)) throw bad('distro', distro, `Unknown distro '${slug}'. Available: ${distroSlugs().sort().join(', ')}`, 'DISTRO_UNKNOWN')
    base.distro = slug
    lines.distro = distro.line
  }

  const os = own(s, 'nmap_os', 'nmap-os')
  if (os && os[1].value.trim() !== '') {
    const v = normaliseOs(os[1].value)
    if (!(OS_FAMILIES as readonly string[]).includes(v)) throw bad(os[0], os[1], `unknown OS family ${quote(os[1].value)}. Available: ${OS_FAMILIES.join(', ')}`)
    base.nmapOs = v
    lines.nmap_os = os[1].line
  }

  const interval = readInt(file, s, ['mutate_interval', 'mutate-interval'], (v) => `must be a positive integer (minutes), got '${v}'`, 1)
  if (interval !== undefined) base.mutateInterval = interval

  const amountValue = s.values.get('amount')
  let amount = 1
  if (amountValue && amountValue.value.trim() !== '') {
    const t = amountValue.value.trim()
    if (!INTEGER.test(t) || Number(t) < 1) throw bad('amount', amountValue, `must be a positive integer, got '${amountValue.value}'`)
    amount = Number(t)
    if (amount > MAX_AMOUNT) throw bad('amount', amountValue, `${t} exceeds maximum allowed (${MAX_AMOUNT}).`)
    lines.amount = amountValue.line
  }
  if (amount > 1 && base.ip !== undefined) {
    throw bad('ip', ip as IniValue, `Cannot combine ip= with amount=${amount}. Remove ip= or use amount=1.`)
  }
  if (amount === 1) return [{ name: s.name, ...base }]
  const names = Array.from({ length: amount }, (_, i) => `${s.name}-${String(i + 1).padStart(2, '0')}`)
  if ((names.at(-1) as string).length > MAX_DECKY_NAME) {
    throw iniError('CONFIG_SECTION_INVALID', file, s.line, s.name, undefined, `decky names of this group would exceed ${MAX_DECKY_NAME} characters`)
  }
  return names.map((name) => ({ name, ...base, services: base.services && [...base.services], serviceConfig: {}, lines: { ...lines } }))
}
