import { BaseService, int, manyOf, oneOf, text, textarea, type ConfigField } from './base.js'
import type { ServiceConfig } from '../config/model.js'
import type { EmulatorFactory } from '../runtime/context.js'
import { hostPath } from './_common.js'

export const FAKE_APPS = ['none', 'apache_default', 'nginx_default', 'iis_default', 'wordpress', 'phpmyadmin', 'tomcat', 'jenkins'] as const
/** In-container document root when `files` is set. */
export const FILES_MOUNT = '/opt/html_files'

/** Keys http and https share; https replaces `http_versions` and adds TLS keys. */
export const httpSchema: ConfigField[] = [
  text('server_header', 'Server header', { env: 'SERVER_HEADER', placeholder: 'Apache/2.4.57 (Debian)', help: 'defaults to one matching the fake app' }),
  int('response_code', 'Response code', { default: 200, env: 'RESPONSE_CODE' }),
  oneOf('fake_app', 'Fake application', FAKE_APPS, { default: 'none', env: 'FAKE_APP' }),
  textarea('extra_headers', 'Extra headers', { env: 'EXTRA_HEADERS', help: 'JSON object or "Name: value" lines' }),
  textarea('custom_body', 'Custom body', { env: 'CUSTOM_BODY' }),
  manyOf('http_versions', 'HTTP versions', ['http/1.1', 'http/2'], { default: ['http/1.1'], env: 'HTTP_VERSIONS' }),
  text('files', 'Files directory', { help: `host folder served as the document root (mounted read-only at ${FILES_MOUNT})` }),
]

/** What http and https share: schema shape, the `files` mount. No emulator here. */
export abstract class HttpLikeService extends BaseService {
  protected override environment(cfg: ServiceConfig): Record<string, string> {
    const env = super.environment(cfg)
    if (cfg.files !== undefined) env.FILES_DIR = FILES_MOUNT
    return env
  }

  protected override volumes(_decky: string, cfg: ServiceConfig): string[] {
    return cfg.files !== undefined ? [`${hostPath(String(cfg.files))}:${FILES_MOUNT}:ro`] : []
  }
}

export class HttpService extends HttpLikeService {
  readonly name: string = 'http'
  readonly ports: readonly number[] = [80, 443]
  override readonly configSchema: readonly ConfigField[] = httpSchema

  override emulator(): Promise<EmulatorFactory> {
    return import('../honeypots/http/index.js').then((m) => m.create)
  }
}

export default new HttpService()
