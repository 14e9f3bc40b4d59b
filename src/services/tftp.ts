import { BaseService } from './base.js'

// TFTP: UDP only.
export class TftpService extends BaseService {
  readonly name = 'tftp'
  readonly ports: readonly number[] = []

  override udpPorts(): number[] {
    return [69]
  }
}

export default new TftpService()
