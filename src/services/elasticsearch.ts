import { BaseService } from './base.js'

export class ElasticsearchService extends BaseService {
  readonly name = 'elasticsearch'
  readonly ports = [9200]
}

export default new ElasticsearchService()
