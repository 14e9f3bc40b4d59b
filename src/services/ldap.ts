import { BaseService } from './base.js'

export class LdapService extends BaseService {
  readonly name = 'ldap'
  readonly ports = [389, 636]

  protected override capAdd(): string[] {
    return ['NET_BIND_SERVICE']
  }
}

export default new LdapService()
