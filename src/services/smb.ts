import { BaseService, text, textarea, type ConfigField } from './base.js'
import type { EmulatorFactory } from '../runtime/context.js'

export class SmbService extends BaseService {
  readonly name = 'smb'
  readonly ports = [445, 139]
  // Persona keys read by the emulator (src/honeypots/smb); all optional.
  override readonly configSchema: readonly ConfigField[] = [
    text('domain', 'AD domain', { help: 'DNS domain the decky claims to be joined to (e.g. corp.local); empty = workgroup' }),
    text('shares', 'Shares', { help: 'comma-separated disk shares; default: Public plus one seeded share' }),
    textarea('users', 'Bait accounts', { secret: true, help: '"user:password" per line; these logons succeed (NetNTLMv2 verified)' }),
    text('os_version', 'Windows version', { help: 'major.minor.build, e.g. 10.0.17763; default seeded per decky' }),
  ]

  protected override capAdd(): string[] {
    return ['NET_BIND_SERVICE']
  }

  override emulator(): Promise<EmulatorFactory> {
    return import('../honeypots/smb/index.js').then((m) => m.create)
  }
}

export default new SmbService()
