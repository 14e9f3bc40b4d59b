import { BaseService, text, type ConfigField } from './base.js'

export class RedisService extends BaseService {
  readonly name = 'redis'
  readonly ports = [6379]
  override readonly configSchema: readonly ConfigField[] = [
    text('version', 'Server version', { env: 'REDIS_VERSION', placeholder: '7.2.4', help: 'defaults to a per-decky pick' }),
    text('os_string', 'OS string', { env: 'REDIS_OS', placeholder: 'Linux 6.1.0-21-amd64 x86_64', help: 'the "os" line of INFO' }),
  ]
}

export default new RedisService()
