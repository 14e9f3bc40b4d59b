import { BaseService, text, type ConfigField } from './base.js'

export class MysqlService extends BaseService {
  readonly name = 'mysql'
  readonly ports = [3306]
  override readonly configSchema: readonly ConfigField[] = [
    text('version', 'Server version', { env: 'MYSQL_VERSION', placeholder: '8.0.36', help: 'defaults to a per-decky pick' }),
  ]
}

export default new MysqlService()
