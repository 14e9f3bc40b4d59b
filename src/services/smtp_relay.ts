import { int, password, text, type ConfigField } from './base.js'
import type { EmulatorFactory } from '../runtime/context.js'
import type { ServiceConfig } from '../config/model.js'
import { SmtpService, smtpSchema } from './smtp.js'

// An open-relay persona on the smtp emulator: every recipient is accepted and
// stored, nothing is delivered. The upstream_* keys stay on the master: they
// have no `env`, so they never reach a container. With upstream_host set, the
// emulator forwards at most probe_limit messages per source address per hour
// through that relay (the operator's own) and logs every decision
// (`relay_decision`, docs/smtp.md).
export class SmtpRelayService extends SmtpService {
  override readonly name: string = 'smtp_relay'
  override readonly configSchema: readonly ConfigField[] = [
    ...smtpSchema,
    text('upstream_host', 'Upstream relay host', { help: 'empty: never forward' }),
    int('upstream_port', 'Upstream relay port', { default: 25 }),
    text('upstream_user', 'Upstream AUTH user'),
    password('upstream_pass', 'Upstream AUTH password'),
    text('upstream_sender', 'Upstream envelope sender', { help: 'MAIL FROM used upstream; default the attacker\'s' }),
    int('probe_limit', 'Probe mails forwarded per source per hour', { default: 1 }),
  ]

  protected override environment(cfg: ServiceConfig): Record<string, string> {
    return { ...super.environment(cfg), SMTP_SERVICE_NAME: 'smtp_relay', SMTP_OPEN_RELAY: '1' }
  }

  override emulator(): Promise<EmulatorFactory> {
    const ports = this.ports
    return import('../honeypots/smtp_relay/index.js').then((m) => (ctx) => m.create(ctx, ports))
  }
}

export default new SmtpRelayService()
