import { BaseService } from './base.js'

// SIP listens on both transports.
export class SipService extends BaseService {
  readonly name = 'sip'
  readonly ports: readonly number[] = [5060]

  override udpPorts(): number[] {
    return [5060]
  }
}

export default new SipService()
