// A fake application ("skin") answers the paths it knows and leaves the rest
// to the server (files, custom body, default page, 404).
import type { Header } from '../parser.js'
import type { Flavor } from '../flavors/flavor.js'
import type { Response } from '../response.js'
import type { SeededRng } from '../../../runtime/rng.js'

export interface AppRequest {
  method: string
  /** Decoded, dot-segment-free path without the query. */
  path: string
  /** Raw query string without '?'. */
  query: string
  headers: readonly Header[]
  body: Buffer
  /** Parsed urlencoded/multipart fields (lower-case names), if any. */
  form?: Map<string, string>
  /** scheme://host[:port] as the client addressed us. */
  baseUrl: string
}

export interface AppEnv {
  flavor: Flavor
  hostname: string
  /** Per-decky randomness for this app (versions, ids). */
  rng: SeededRng
  /** Fake install time: mtime of the app's static files. */
  installDate: Date
  /** The flavour's page for a status, with host/port filled in. */
  error(status: number, extra?: { location?: string; allow?: string }): Response
}

export interface App {
  /** The page for `/` (GET/HEAD), if the app owns it. */
  index?(req: AppRequest, env: AppEnv): Response
  /** Any other path the app knows; undefined → not ours. */
  route(req: AppRequest, env: AppEnv): Response | undefined
}

export function textResponse(status: number, contentType: string, body: string, headers: Header[] = []): Response {
  return { status, contentType, headers, body: Buffer.from(body, 'utf8') }
}
