import type { EmulatorFactory } from '../runtime/context.js'
import { MailboxService } from './_mail.js'

export class ImapService extends MailboxService {
  readonly name = 'imap'
  readonly ports = [143, 993]
  protected readonly envPrefix = 'IMAP'

  override emulator(): Promise<EmulatorFactory> {
    return import('../honeypots/imap/index.js').then((m) => m.create)
  }
}

export default new ImapService()
