import { BaseService } from './base.js'

export class VncService extends BaseService {
  readonly name = 'vnc'
  readonly ports = [5900]
}

export default new VncService()
