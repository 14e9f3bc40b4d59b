import { BaseService } from './base.js'

// Fleet singleton: one passive capture per fleet, never a per-decky container.
export class SnifferService extends BaseService {
  readonly name = 'sniffer'
  readonly ports: readonly number[] = []
  override readonly fleetSingleton = true

  protected override capAdd(): string[] {
    return ['NET_RAW', 'NET_ADMIN']
  }
}

export default new SnifferService()
