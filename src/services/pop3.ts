import type { EmulatorFactory } from '../runtime/context.js'
import { MailboxService } from './_mail.js'

export class Pop3Service extends MailboxService {
  readonly name = 'pop3'
  readonly ports = [110, 995]
  protected readonly envPrefix = 'POP3'

  override emulator(): Promise<EmulatorFactory> {
    return import('../honeypots/pop3/index.js').then((m) => m.create)
  }
}

export default new Pop3Service()
