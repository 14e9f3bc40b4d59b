// `udp://H:P,tcp://H:P,tls://H:P` listen lists and LOG_TARGET strings.
import { UserError } from '../errors.js'

export type SyslogProto = 'udp' | 'tcp' | 'tls'

export interface Endpoint {
  proto: SyslogProto
  host: string
  port: number
}

const ENDPOINT = /^(?:(udp|tcp|tls):\/\/)?(\[[0-9a-fA-F:.]+\]|[^:/\s[\]]+):(\d{1,5})$/

/** One endpoint; a bare `host:port` is `defaultProto` (syslog's traditional UDP). */
export function parseEndpoint(text: string, defaultProto: SyslogProto = 'udp'): Endpoint {
  const m = ENDPOINT.exec(text.trim())
  const port = m ? Number(m[3]) : NaN
  if (!m || port > 65535) {
    throw new UserError('FLAG_INVALID', `not a syslog endpoint: "${text}" (expected udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT)`)
  }
  const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!
  return { proto: (m[1] as SyslogProto | undefined) ?? defaultProto, host, port }
}

export function parseListen(list: string): Endpoint[] {
  const parts = list.split(',').map((s) => s.trim()).filter(Boolean)
  if (parts.length === 0) throw new UserError('FLAG_INVALID', '--listen needs at least one endpoint, e.g. udp://0.0.0.0:5514')
  return parts.map((p) => {
    if (!/^(udp|tcp|tls):\/\//.test(p)) throw new UserError('FLAG_INVALID', `--listen: "${p}" needs a scheme (udp://, tcp:// or tls://)`)
    return parseEndpoint(p)
  })
}

export function endpointUrl(e: Endpoint): string {
  return `${e.proto}://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`
}
