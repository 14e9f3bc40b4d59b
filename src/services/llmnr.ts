import { BaseService } from './base.js'

// LLMNR (5355) and mDNS (5353): UDP only.
export class LlmnrService extends BaseService {
  readonly name = 'llmnr'
  readonly ports: readonly number[] = []

  override udpPorts(): number[] {
    return [5355, 5353]
  }
}

export default new LlmnrService()
