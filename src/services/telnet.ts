import type { ConfigField } from './base.js'
import { LoginService, loginSchema } from './_login.js'

export class TelnetService extends LoginService {
  readonly name = 'telnet'
  readonly ports = [23]
  override readonly configSchema: readonly ConfigField[] = loginSchema('TELNET')
}

export default new TelnetService()
