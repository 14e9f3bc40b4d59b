import { BaseService, text, textarea, type BaitAccount, type ConfigField } from './base.js'
import type { ServiceConfig } from '../config/model.js'
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

  override baitAccounts(cfg: ServiceConfig): BaitAccount[] {
    return [...smbBaitAccounts(cfg)].map(([user, password]) => ({ user, password }))
  }

  override emulator(): Promise<EmulatorFactory> {
    return import('../honeypots/smb/index.js').then((m) => m.create)
  }
}

/** Bait accounts from persona keys: `users` ("name:password" per line or comma) and/or `user` + `password`; names lower-cased as Windows compares them. */
export function smbBaitAccounts(cfg: Readonly<Record<string, unknown>>): Map<string, string> {
  const out = new Map<string, string>()
  const users = cfg.users
  if (typeof users === 'string') {
    for (const entry of users.split(/[\n,]+/)) {
      const i = entry.indexOf(':')
      if (i > 0) out.set(entry.slice(0, i).trim().toLowerCase(), entry.slice(i + 1).trim())
    }
  }
  if (typeof cfg.user === 'string' && typeof cfg.password === 'string' && cfg.user) out.set(cfg.user.toLowerCase(), cfg.password)
  return out
}

export default new SmbService()
