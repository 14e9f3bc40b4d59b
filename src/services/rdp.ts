import { BaseService, bool, text, type ConfigField } from './base.js'
import type { EmulatorFactory } from '../runtime/context.js'

export class RdpService extends BaseService {
  readonly name = 'rdp'
  readonly ports = [3389]
  override readonly configSchema: readonly ConfigField[] = [
    bool('nla', 'Network Level Authentication', { default: false, env: 'RDP_ENABLE_NLA', help: 'TLS + CredSSP: captures NTLM responses' }),
    // Read by the emulator (src/honeypots/shared/windows-identity.ts); keep equal to the decky's smb values.
    text('domain', 'AD domain', { help: 'DNS domain the decky claims (e.g. corp.local); empty = workgroup' }),
    text('os_version', 'Windows version', { help: 'major.minor.build, e.g. 10.0.17763; default seeded per decky' }),
  ]

  override emulator(): Promise<EmulatorFactory> {
    return import('../honeypots/rdp/index.js').then((m) => m.create)
  }
}

export default new RdpService()
