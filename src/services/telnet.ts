import type { ConfigField } from './base.js'
import type { EmulatorFactory } from '../runtime/context.js'
import { LoginService, loginSchema } from './_login.js'

export class TelnetService extends LoginService {
  readonly name = 'telnet'
  readonly ports = [23]
  override readonly configSchema: readonly ConfigField[] = loginSchema('TELNET')

  override emulator(): Promise<EmulatorFactory> {
    return import('../honeypots/telnet/index.js').then((m) => m.create)
  }
}

export default new TelnetService()
