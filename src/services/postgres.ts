import { BaseService } from './base.js'

export class PostgresService extends BaseService {
  readonly name = 'postgres'
  readonly ports = [5432]
}

export default new PostgresService()
