import type { ConfigField } from './base.js'
import type { EmulatorFactory } from '../runtime/context.js'
import { LoginService, loginSchema } from './_login.js'

export class SshService extends LoginService {
  readonly name = 'ssh'
  readonly ports = [22]
  override readonly configSchema: readonly ConfigField[] = loginSchema('SSH')

  override emulator(): Promise<EmulatorFactory> {
    return import('../honeypots/ssh/index.js').then((m) => m.create)
  }
}

export default new SshService()
