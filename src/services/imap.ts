import { MailboxService } from './_mail.js'

export class ImapService extends MailboxService {
  readonly name = 'imap'
  readonly ports = [143, 993]
  protected readonly envPrefix = 'IMAP'
}

export default new ImapService()
