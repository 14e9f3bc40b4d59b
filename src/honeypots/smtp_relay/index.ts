// smtp_relay: the smtp emulator as an open relay (every recipient accepted,
// nothing delivered unless the operator configured an upstream; docs/smtp.md).
import type { Honeypot, HoneypotContext } from '../../runtime/context.js'
import { startSmtp } from '../smtp/index.js'

export function create(ctx: HoneypotContext, ports: readonly number[] = [25, 587]): Honeypot {
  return startSmtp(ctx, { relay: true, ports })
}
