import { MailboxService } from './_mail.js'

export class Pop3Service extends MailboxService {
  readonly name = 'pop3'
  readonly ports = [110, 995]
  protected readonly envPrefix = 'POP3'
}

export default new Pop3Service()
