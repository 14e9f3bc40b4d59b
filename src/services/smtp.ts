import { BaseService, oneOf, text, type ConfigField } from './base.js'
import type { ServiceConfig } from '../config/model.js'
import { quarantineEnv, quarantineVolume } from './_common.js'

export const MTAS = ['postfix', 'exim', 'sendmail'] as const
/** In-container quarantine (looks like sendmail's queue); smtp and smtp_relay share the host dir. */
export const SMTP_QUARANTINE = '/var/spool/mqueue'

export const smtpSchema: ConfigField[] = [
  text('banner', 'Greeting banner', { env: 'SMTP_BANNER', placeholder: 'mail.corp.local ESMTP Postfix', help: 'sent verbatim after "220 "' }),
  oneOf('mta', 'MTA persona', MTAS, { default: 'postfix', env: 'SMTP_MTA' }),
]

export class SmtpService extends BaseService {
  readonly name: string = 'smtp'
  readonly ports: readonly number[] = [25, 587]
  override readonly configSchema: readonly ConfigField[] = smtpSchema

  protected override environment(cfg: ServiceConfig): Record<string, string> {
    return { ...super.environment(cfg), SMTP_QUARANTINE_DIR: SMTP_QUARANTINE, ...quarantineEnv(SMTP_QUARANTINE) }
  }

  protected override capAdd(): string[] {
    return ['NET_BIND_SERVICE']
  }

  protected override volumes(deckyName: string, _cfg: ServiceConfig): string[] {
    return [quarantineVolume(deckyName, 'smtp', SMTP_QUARANTINE)]
  }
}

export default new SmtpService()
