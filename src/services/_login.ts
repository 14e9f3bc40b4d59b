// ssh and telnet share one persona shape: a root password and a second sudo
// account, plus an optional hostname; both quarantine dropped files and
// transcripts under <ARTIFACTS_ROOT>/<decky>/<slug>.
import { BaseService, password, text, type BaitAccount, type ConfigField } from './base.js'
import type { ServiceConfig } from '../config/model.js'
import { quarantineEnv, quarantineVolume } from './_common.js'

/** In-container path of the quarantine mount (looks like the systemd-coredump spool). */
export const LOGIN_QUARANTINE = '/var/lib/systemd/coredump'

/** `prefix` is SSH or TELNET: SSH_ROOT_PASSWORD, SSH_USER, … */
export function loginSchema(prefix: string): ConfigField[] {
  return [
    password('password', 'Root password', { default: 'admin', env: `${prefix}_ROOT_PASSWORD` }),
    text('user', 'Second user', { default: 'ubuntu', env: `${prefix}_USER`, help: 'a sudo account besides root; "root" means none' }),
    password('user_password', 'Second user password', { default: 'admin', env: `${prefix}_USER_PASSWORD` }),
    text('hostname', 'Hostname', { env: `${prefix}_HOSTNAME`, help: 'shown by the shell; defaults to the decky hostname' }),
  ]
}

export abstract class LoginService extends BaseService {
  /** root with `password`, and `user` with `user_password` unless user is root. */
  override baitAccounts(cfg: ServiceConfig): BaitAccount[] {
    const out: BaitAccount[] = [{ user: 'root', password: String(cfg.password ?? 'admin') }]
    const user = String(cfg.user ?? 'ubuntu')
    if (user && user !== 'root') out.push({ user, password: String(cfg.user_password ?? 'admin') })
    return out
  }

  protected override environment(cfg: ServiceConfig): Record<string, string> {
    return { ...super.environment(cfg), ...quarantineEnv(LOGIN_QUARANTINE) }
  }

  protected override capAdd(): string[] {
    return ['NET_BIND_SERVICE']
  }

  protected override volumes(deckyName: string, _cfg: ServiceConfig): string[] {
    return [quarantineVolume(deckyName, this.name, LOGIN_QUARANTINE)]
  }
}
