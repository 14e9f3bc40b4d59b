import { BaseService, bool, type ConfigField } from './base.js'
import type { EmulatorFactory } from '../runtime/context.js'

export class RdpService extends BaseService {
  readonly name = 'rdp'
  readonly ports = [3389]
  override readonly configSchema: readonly ConfigField[] = [
    bool('nla', 'Network Level Authentication', { default: false, env: 'RDP_ENABLE_NLA', help: 'TLS + CredSSP: captures NTLM responses' }),
  ]

  override emulator(): Promise<EmulatorFactory> {
    return import('../honeypots/rdp/index.js').then((m) => m.create)
  }
}

export default new RdpService()
