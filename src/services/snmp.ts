import { BaseService } from './base.js'

// SNMP agent: UDP only.
export class SnmpService extends BaseService {
  readonly name = 'snmp'
  readonly ports: readonly number[] = []

  override udpPorts(): number[] {
    return [161]
  }
}

export default new SnmpService()
