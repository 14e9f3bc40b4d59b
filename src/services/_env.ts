// Persona keys ⇄ container environment. A schema field that names `env`
// travels to the service container as that variable; inside the container
// `configFromEnv` turns the environment back into raw persona values that
// `resolveConfig` validates again. One encoding, both directions:
//   string, password, textarea, enum → the value as is
//   int → decimal, bool → "true"/"false", multi_enum → JSON array
// Env files (secrets, see composer) cannot carry every byte portably (docker
// compose v1 and v2 disagree on quotes, `$`, `#` and whitespace), so a value
// outside a plain character set is written as `b64:<base64 of UTF-8>`;
// configFromEnv decodes that prefix for secret fields, and textarea fields
// decode it anyway.
import type { ConfigField } from './base.js'
import type { ServiceConfig, ServiceConfigValue } from '../config/model.js'

const B64 = 'b64:'
const B64_STRICT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
/** Characters every env-file reader takes literally. */
const ENV_FILE_PLAIN = /^[A-Za-z0-9_.,:/@+=%^!*?~()[\]{}<>|&;-]*$/
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

export function envValue(v: ServiceConfigValue): string {
  if (Array.isArray(v)) return JSON.stringify(v)
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  return String(v)
}

/** Environment of every present key whose field names an `env` variable. */
export function envFromSchema(schema: readonly ConfigField[], cfg: ServiceConfig): Record<string, string> {
  const env: Record<string, string> = {}
  for (const f of schema) {
    const v = cfg[f.key]
    if (f.env && v !== undefined) env[f.env] = envValue(v)
  }
  return env
}

/** Raw persona values from a container environment (validate with resolveConfig). */
export function configFromEnv(schema: readonly ConfigField[], env: Record<string, string | undefined>): Record<string, unknown> {
  const raw: Record<string, unknown> = {}
  for (const f of schema) {
    if (!f.env) continue
    let v = env[f.env]
    if (v === undefined) continue
    if (f.secret && f.type !== 'textarea' && v.startsWith(B64)) v = decodeB64(v.slice(B64.length), f.env)
    if (f.type === 'multi_enum' && v.startsWith('[')) raw[f.key] = parseList(v, f.env)
    else raw[f.key] = v
  }
  return raw
}

function decodeB64(payload: string, name: string): string {
  if (!B64_STRICT.test(payload)) throw new Error(`${name}: malformed b64: payload`)
  return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(payload, 'base64'))
}

function parseList(v: string, name: string): string[] {
  const parsed: unknown = JSON.parse(v)
  if (!Array.isArray(parsed)) throw new Error(`${name}: expected a JSON list`)
  return parsed.map(String)
}

/** One `NAME=value` line of an env file; values outside the plain set are b64:-encoded. */
export function envFileLine(name: string, value: string): string {
  if (!ENV_NAME.test(name)) throw new Error(`not an environment variable name: ${JSON.stringify(name)}`)
  const plain = ENV_FILE_PLAIN.test(value) && !value.startsWith(B64)
  return `${name}=${plain ? value : B64 + Buffer.from(value, 'utf8').toString('base64')}`
}
