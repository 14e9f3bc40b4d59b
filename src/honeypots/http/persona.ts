// Which product this decky claims: flavour (server software and version) and
// skin, from persona keys, OS family and distro. Deterministic per decky.
import type { HoneypotContext } from '../../runtime/context.js'
import type { SeededRng } from '../../runtime/rng.js'
import type { Header } from './parser.js'
import type { Flavor } from './flavors/flavor.js'
import { apacheFlavor } from './flavors/apache.js'
import { nginxFlavor } from './flavors/nginx.js'
import { iisFlavor } from './flavors/iis.js'
import { tomcatFlavor } from './flavors/tomcat.js'
import { jettyFlavor } from './flavors/jetty.js'
import { TOMCAT_VERSIONS } from './apps/tomcat.js'

export interface Persona {
  flavor: Flavor
  /** fake_app value (none, apache_default, ..., wordpress, ...). */
  app: string
  hostname: string
  /** Apache default page vendor. */
  vendor: 'Debian' | 'Ubuntu'
  windowsServer: boolean
  responseCode: number
  customBody?: string
  extraHeaders: Header[]
  filesDir?: string
  /** Fake install time of the default pages (stable per decky). */
  installDate: Date
  rng: SeededRng
}

/** Server header values by distro, as the distro's package writes them. */
const APACHE: Readonly<Record<string, readonly string[]>> = Object.freeze({
  debian: ['Apache/2.4.62 (Debian)', 'Apache/2.4.61 (Debian)', 'Apache/2.4.59 (Debian)'],
  kali: ['Apache/2.4.63 (Debian)', 'Apache/2.4.62 (Debian)'],
  ubuntu20: ['Apache/2.4.41 (Ubuntu)'],
  ubuntu22: ['Apache/2.4.52 (Ubuntu)'],
  ubuntu24: ['Apache/2.4.58 (Ubuntu)'],
  rocky9: ['Apache/2.4.57 (Rocky Linux)', 'Apache/2.4.62 (Rocky Linux)'],
  centos7: ['Apache/2.4.6 (CentOS)'],
  fedora: ['Apache/2.4.58 (Fedora Linux)'],
  alpine: ['Apache/2.4.59 (Unix)'],
  arch: ['Apache/2.4.62 (Unix)'],
})
const NGINX: Readonly<Record<string, readonly string[]>> = Object.freeze({
  debian: ['nginx/1.22.1'],
  kali: ['nginx/1.26.3'],
  ubuntu20: ['nginx/1.18.0 (Ubuntu)'],
  ubuntu22: ['nginx/1.18.0 (Ubuntu)'],
  ubuntu24: ['nginx/1.24.0 (Ubuntu)'],
  rocky9: ['nginx/1.20.1'],
  centos7: ['nginx/1.20.1'],
  fedora: ['nginx/1.24.0'],
  alpine: ['nginx/1.24.0'],
  arch: ['nginx/1.26.2'],
})
const JETTY_VERSIONS = ['10.0.20', '10.0.18', '12.0.12'] as const

function isWindows(osFamily: string): boolean {
  return osFamily.startsWith('windows')
}

/** "Name: value" lines or a JSON object → ordered header list (bad lines skipped). */
export function parseExtraHeaders(raw: unknown): Header[] {
  if (raw === undefined || raw === null) return []
  const text = String(raw).trim()
  if (text === '') return []
  const safe = (s: string) => !/[\r\n\0]/.test(s)
  if (text.startsWith('{')) {
    try {
      const obj = JSON.parse(text) as unknown
      if (obj !== null && typeof obj === 'object' && !Array.isArray(obj)) {
        return Object.entries(obj as Record<string, unknown>)
          .map(([k, v]) => [k.trim(), String(v)] as Header)
          .filter(([k, v]) => /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(k) && safe(v))
      }
    } catch {
      // fall through to line parsing
    }
  }
  const out: Header[] = []
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':')
    if (i <= 0) continue
    const k = line.slice(0, i).trim()
    const v = line.slice(i + 1).trim()
    if (/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(k) && safe(v)) out.push([k, v])
  }
  return out
}

type Kind = 'apache' | 'nginx' | 'iis' | 'tomcat' | 'jetty'

function kindFromServer(server: string): Kind {
  if (/nginx|openresty/i.test(server)) return 'nginx'
  if (/IIS|Microsoft/i.test(server)) return 'iis'
  if (/jetty/i.test(server)) return 'jetty'
  if (/tomcat|coyote/i.test(server)) return 'tomcat'
  return 'apache'
}

function kindFromApp(app: string, windows: boolean): Kind {
  switch (app) {
    case 'nginx_default': return 'nginx'
    case 'iis_default': return 'iis'
    case 'apache_default': return 'apache'
    case 'tomcat': return 'tomcat'
    case 'jenkins': return 'jetty'
    default: return windows ? 'iis' : 'apache'
  }
}

export function resolvePersona(ctx: HoneypotContext): Persona {
  const cfg = ctx.config
  const rng = ctx.rng.fork('http/persona')
  const windows = isWindows(ctx.decky.osFamily)
  const app = typeof cfg.fake_app === 'string' ? cfg.fake_app : 'none'
  const extraHeaders = parseExtraHeaders(cfg.extra_headers)
  // A Server header given in extra_headers counts as server_header.
  const extraServer = extraHeaders.find(([n]) => n.toLowerCase() === 'server')?.[1]
  const explicit = typeof cfg.server_header === 'string' && cfg.server_header !== '' ? cfg.server_header : extraServer
  const kind = explicit !== undefined ? kindFromServer(explicit) : kindFromApp(app, windows)
  const distro = ctx.decky.distro || 'debian'
  const pick = (table: Readonly<Record<string, readonly string[]>>) => rng.fork(`server/${kind}`).pick(table[distro] ?? table.debian ?? [''])
  let flavor: Flavor
  switch (kind) {
    case 'nginx': flavor = nginxFlavor(explicit ?? pick(NGINX)); break
    case 'iis': flavor = iisFlavor(explicit ?? 'Microsoft-IIS/10.0'); break
    case 'tomcat': flavor = tomcatFlavor(rng.fork('tomcat/version').pick(TOMCAT_VERSIONS), explicit); break
    case 'jetty': {
      const v = rng.fork('jetty/version').pick(JETTY_VERSIONS)
      flavor = jettyFlavor(v, explicit ?? `Jetty(${v})`)
      break
    }
    default: flavor = apacheFlavor(explicit ?? pick(APACHE))
  }
  const day = 86_400_000
  const installDate = new Date(Math.min(Date.UTC(2023, 0, 1) + rng.fork('install').int(0, 600) * day + rng.fork('install/s').int(0, day - 1), Date.now() - day))
  installDate.setUTCMilliseconds(0)
  return {
    flavor,
    app,
    hostname: ctx.decky.hostname,
    vendor: /ubuntu/i.test(distro) || /Ubuntu/.test(flavor.server ?? '') ? 'Ubuntu' : 'Debian',
    windowsServer: ctx.decky.osFamily !== 'windows',
    responseCode: typeof cfg.response_code === 'number' && cfg.response_code >= 100 && cfg.response_code <= 599 ? cfg.response_code : 200,
    customBody: typeof cfg.custom_body === 'string' && cfg.custom_body !== '' ? cfg.custom_body : undefined,
    extraHeaders: extraHeaders.filter(([n]) => n.toLowerCase() !== 'server'),
    filesDir: typeof cfg.files === 'string' && cfg.files !== '' ? cfg.files : undefined,
    installDate,
    rng: ctx.rng.fork('http/app'),
  }
}
