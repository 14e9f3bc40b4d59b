import { BaseService } from './base.js'

export class DockerApiService extends BaseService {
  readonly name = 'docker_api'
  readonly ports = [2375, 2376]
  protected override readonly containerSuffix = 'docker-api'
}

export default new DockerApiService()
