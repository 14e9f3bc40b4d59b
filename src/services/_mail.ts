// imap and pop3 serve a bait mailbox seeded from a host folder (or one file).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { BaseService, TEMPLATES_DIR, text, type ConfigField } from './base.js'
import type { ServiceConfig } from '../config/model.js'
import { hostPath } from './_common.js'

/** In-container mount of the email seed. */
export const EMAIL_SEED_MOUNT = '/var/spool/decnet-emails/seed'
/** Used when `email_seed` is unset and this folder exists at the package root. */
export const BAIT_DIR = join(TEMPLATES_DIR, '..', 'bait')

export const mailboxSchema: ConfigField[] = [
  text('email_seed', 'Email seed', { help: 'host folder of .eml/.json messages, or one file; default: the package bait/ folder when present' }),
]

export abstract class MailboxService extends BaseService {
  override readonly configSchema: readonly ConfigField[] = mailboxSchema
  /** IMAP or POP3: the env variable is <prefix>_EMAIL_SEED. */
  protected abstract readonly envPrefix: string

  protected seedPath(cfg: ServiceConfig): string | undefined {
    if (cfg.email_seed !== undefined) return hostPath(String(cfg.email_seed))
    return existsSync(BAIT_DIR) ? BAIT_DIR : undefined
  }

  protected override environment(cfg: ServiceConfig): Record<string, string> {
    return this.seedPath(cfg) ? { [`${this.envPrefix}_EMAIL_SEED`]: EMAIL_SEED_MOUNT } : {}
  }

  protected override volumes(_decky: string, cfg: ServiceConfig): string[] {
    const p = this.seedPath(cfg)
    return p ? [`${p}:${EMAIL_SEED_MOUNT}:ro`] : []
  }
}
