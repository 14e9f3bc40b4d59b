import { BaseService } from './base.js'

export class MssqlService extends BaseService {
  readonly name = 'mssql'
  readonly ports = [1433]
}

export default new MssqlService()
