import { BaseService, bool, int, oneOf, text, type ConfigField } from './base.js'
import type { EmulatorFactory } from '../runtime/context.js'
import type { ServiceConfig } from '../config/model.js'
import { quarantineEnv, quarantineVolume } from './_common.js'

export const MTAS = ['postfix', 'exim', 'sendmail'] as const
/** In-container quarantine (looks like sendmail's queue); smtp and smtp_relay share the host dir. */
export const SMTP_QUARANTINE = '/var/spool/mqueue'

// The emulator's own keys (src/honeypots/smtp, docs/smtp.md) have no `env`:
// the container image path does not read them.
export const smtpSchema: ConfigField[] = [
  text('banner', 'Greeting banner', { env: 'SMTP_BANNER', placeholder: 'mail.corp.local ESMTP Postfix', help: 'sent verbatim after "220 "' }),
  oneOf('mta', 'MTA persona', MTAS, { default: 'postfix', env: 'SMTP_MTA', help: 'the emulator speaks Postfix only; exim/sendmail fall back to it' }),
  text('auth_mechanisms', 'SASL mechanisms', { default: 'PLAIN LOGIN', help: 'what EHLO advertises after AUTH (Dovecot SASL: PLAIN LOGIN; CRAM-MD5 may be added)' }),
  bool('auth_before_tls', 'AUTH before STARTTLS', { default: false, help: 'smtpd_tls_auth_only = no: port 25 offers AUTH in plaintext' }),
  int('message_size_limit', 'Message size limit', { default: 10_240_000, help: 'Postfix message_size_limit (EHLO SIZE); larger messages get 552 and are kept truncated' }),
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

  override emulator(): Promise<EmulatorFactory> {
    const ports = this.ports
    return import('../honeypots/smtp/index.js').then((m) => (ctx) => m.startSmtp(ctx, { relay: false, ports }))
  }
}

export default new SmtpService()
