import { BaseService, int, manyOf, oneOf, text, textarea, type ConfigField } from './base.js'
import type { ServiceConfig } from '../config/model.js'
import type { EmulatorFactory } from '../runtime/context.js'

export const FAKE_APPS = ['none', 'apache_default', 'nginx_default', 'iis_default', 'wordpress', 'phpmyadmin', 'tomcat', 'jenkins'] as const

export const httpSchema: ConfigField[] = [
  text('server_header', 'Server header', { help: 'e.g. Apache/2.4.57 (Debian); defaults to one matching the fake app' }),
  int('response_code', 'Response code', { default: 200 }),
  oneOf('fake_app', 'Fake application', FAKE_APPS, { default: 'none' }),
  textarea('extra_headers', 'Extra headers', { help: 'JSON object or "Name: value" lines' }),
  textarea('custom_body', 'Custom body'),
  manyOf('http_versions', 'HTTP versions', ['http/1.1', 'http/2'], { default: ['http/1.1'] }),
  text('files', 'Files directory', { help: 'host folder served as the document root' }),
]

export class HttpService extends BaseService {
  readonly name: string = 'http'
  readonly ports: readonly number[] = [80, 443]
  override readonly configSchema: readonly ConfigField[] = httpSchema

  protected override environment(cfg: ServiceConfig): Record<string, string> {
    const env: Record<string, string> = {}
    if (cfg.server_header !== undefined) env.SERVER_HEADER = String(cfg.server_header)
    if (cfg.response_code !== undefined) env.RESPONSE_CODE = String(cfg.response_code)
    if (cfg.fake_app !== undefined) env.FAKE_APP = String(cfg.fake_app)
    if (cfg.extra_headers !== undefined) env.EXTRA_HEADERS = String(cfg.extra_headers)
    if (cfg.custom_body !== undefined) env.CUSTOM_BODY = String(cfg.custom_body)
    if (cfg.http_versions !== undefined) env.HTTP_VERSIONS = JSON.stringify(cfg.http_versions)
    if (cfg.files !== undefined) env.FILES_DIR = '/opt/html_files'
    return env
  }

  protected override volumes(_decky: string, cfg: ServiceConfig): string[] {
    return cfg.files !== undefined ? [`${String(cfg.files)}:/opt/html_files:ro`] : []
  }

  override emulator(): Promise<EmulatorFactory> {
    return import('../honeypots/http/index.js').then((m) => m.create)
  }
}

export default new HttpService()
