import { manyOf, text, textarea, type ConfigField } from './base.js'
import type { ServiceConfig } from '../config/model.js'
import type { EmulatorFactory } from '../runtime/context.js'
import { HttpLikeService, httpSchema } from './http.js'

export const HTTPS_VERSIONS = ['http/1.1', 'http/2', 'http/3'] as const

export const httpsSchema: ConfigField[] = [
  ...httpSchema.map((f) =>
    f.key === 'http_versions' ? manyOf('http_versions', 'HTTP versions', HTTPS_VERSIONS, { default: ['http/1.1'], env: 'HTTP_VERSIONS', help: 'http/3 also listens on UDP 443' }) : f,
  ),
  text('tls_cn', 'Certificate CN', { env: 'TLS_CN', help: 'CN of the generated certificate; defaults to the decky hostname' }),
  textarea('tls_cert', 'TLS certificate', { env: 'TLS_CERT', help: 'PEM text or in-container path' }),
  textarea('tls_key', 'TLS private key', { env: 'TLS_KEY', secret: true, help: 'PEM text or in-container path' }),
]

export class HttpsService extends HttpLikeService {
  readonly name = 'https'
  readonly ports = [443]
  override readonly configSchema: readonly ConfigField[] = httpsSchema

  override udpPorts(cfg: ServiceConfig = {}): number[] {
    const versions = this.resolveConfig(cfg).http_versions
    return Array.isArray(versions) && versions.includes('http/3') ? [443] : []
  }

  override emulator(): Promise<EmulatorFactory> {
    return import('../honeypots/http/index.js').then((m) => m.createHttps)
  }
}

export default new HttpsService()
