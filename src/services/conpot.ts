import { BaseService } from './base.js'
import type { ServiceConfig } from '../config/model.js'

// ICS persona: Modbus 502/tcp, HTTP 80/tcp, SNMP 161/udp.
export class ConpotService extends BaseService {
  readonly name = 'conpot'
  readonly ports = [502, 80]

  override udpPorts(): number[] {
    return [161]
  }

  protected override environment(_cfg: ServiceConfig): Record<string, string> {
    return { CONPOT_TEMPLATE: 'default' }
  }
}

export default new ConpotService()
