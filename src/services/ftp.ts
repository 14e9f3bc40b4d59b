import { BaseService } from './base.js'

export class FtpService extends BaseService {
  readonly name = 'ftp'
  readonly ports = [21]
}

export default new FtpService()
