import { BaseService, bool, type ConfigField } from './base.js'

export class RdpService extends BaseService {
  readonly name = 'rdp'
  readonly ports = [3389]
  override readonly configSchema: readonly ConfigField[] = [
    bool('nla', 'Network Level Authentication', { default: false, env: 'RDP_ENABLE_NLA', help: 'TLS + CredSSP: captures NTLM responses' }),
  ]
}

export default new RdpService()
