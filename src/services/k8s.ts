import { BaseService } from './base.js'

export class K8sService extends BaseService {
  readonly name = 'k8s'
  readonly ports = [6443, 8080]
}

export default new K8sService()
