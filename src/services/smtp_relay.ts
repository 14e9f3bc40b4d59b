import { int, password, text, type ConfigField } from './base.js'
import type { ServiceConfig } from '../config/model.js'
import { SmtpService, smtpSchema } from './smtp.js'

// An open-relay persona on the smtp emulator. The upstream_* keys stay on the
// master (a worker forwards the first probe_limit mails per source through a
// real relay): they have no `env`, so they never reach the container.
export class SmtpRelayService extends SmtpService {
  override readonly name: string = 'smtp_relay'
  override readonly configSchema: readonly ConfigField[] = [
    ...smtpSchema,
    text('upstream_host', 'Upstream relay host', { help: 'empty: never forward' }),
    int('upstream_port', 'Upstream relay port', { default: 25 }),
    text('upstream_user', 'Upstream AUTH user'),
    password('upstream_pass', 'Upstream AUTH password'),
    text('upstream_sender', 'Upstream envelope sender'),
    int('probe_limit', 'Probe mails forwarded per source', { default: 1 }),
  ]

  protected override environment(cfg: ServiceConfig): Record<string, string> {
    return { ...super.environment(cfg), SMTP_SERVICE_NAME: 'smtp_relay', SMTP_OPEN_RELAY: '1' }
  }
}

export default new SmtpRelayService()
