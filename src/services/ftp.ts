import { BaseService, bool, int, oneOf, password, text, type BaitAccount, type ConfigField } from './base.js'
import type { EmulatorFactory } from '../runtime/context.js'
import type { ServiceConfig } from '../config/model.js'
import { quarantineEnv, quarantineVolume } from './_common.js'

/** In-container path of the quarantine mount (vsftpd's secure_chroot_dir neighbourhood). */
export const FTP_QUARANTINE = '/var/lib/ftp/.cache'

export const FTP_SERVERS = ['vsftpd', 'proftpd', 'pureftpd'] as const

export class FtpService extends BaseService {
  readonly name = 'ftp'
  readonly ports = [21]
  // Persona keys read by the emulator (src/honeypots/ftp; docs/ftp.md).
  override readonly configSchema: readonly ConfigField[] = [
    oneOf('server', 'FTP daemon', FTP_SERVERS, { default: 'vsftpd', env: 'FTP_SERVER', help: 'whose greeting and replies the decky gives' }),
    text('version', 'Daemon version', { env: 'FTP_VERSION', help: 'default: vsftpd 3.0.3, ProFTPD 1.3.7a, Pure-FTPd (no version on the wire)' }),
    text('banner', 'Greeting', { env: 'FTP_BANNER', help: 'text after "220 " (vsftpd ftpd_banner); default the daemon\'s own' }),
    bool('anonymous', 'Anonymous login', { default: true, env: 'FTP_ANONYMOUS', help: 'USER anonymous / ftp with any password logs in (read-only bait tree)' }),
    bool('anon_upload', 'Anonymous uploads', { default: true, env: 'FTP_ANON_UPLOAD', help: 'STOR/APPE are accepted and quarantined; off: 550 Permission denied.' }),
    text('user', 'Bait account', { env: 'FTP_USER', help: 'a local account whose password logs in (sees the bait tree, may upload)' }),
    password('password', 'Bait account password', { env: 'FTP_PASSWORD' }),
    bool('ssl', 'AUTH TLS', { default: false, env: 'FTP_SSL', help: 'vsftpd ssl_enable: AUTH TLS, PBSZ, PROT with a per-decky certificate' }),
    int('pasv_min_port', 'Passive ports from', { default: 40000, env: 'FTP_PASV_MIN_PORT' }),
    int('pasv_max_port', 'Passive ports to', { default: 40015, env: 'FTP_PASV_MAX_PORT', help: 'at most 64 ports are bound' }),
  ]

  protected override environment(cfg: ServiceConfig): Record<string, string> {
    return { ...super.environment(cfg), ...quarantineEnv(FTP_QUARANTINE) }
  }

  protected override volumes(deckyName: string, _cfg: ServiceConfig): string[] {
    return [quarantineVolume(deckyName, this.name, FTP_QUARANTINE)]
  }

  override baitAccounts(cfg: ServiceConfig): BaitAccount[] {
    const out: BaitAccount[] = []
    if (cfg.anonymous !== false) out.push({ user: 'anonymous', password: '(any)' })
    if (typeof cfg.user === 'string' && cfg.user && typeof cfg.password === 'string') out.push({ user: cfg.user, password: cfg.password })
    return out
  }

  override emulator(): Promise<EmulatorFactory> {
    return import('../honeypots/ftp/index.js').then((m) => m.create)
  }
}

export default new FtpService()
