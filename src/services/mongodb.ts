import { BaseService } from './base.js'

export class MongodbService extends BaseService {
  readonly name = 'mongodb'
  readonly ports = [27017]
}

export default new MongodbService()
