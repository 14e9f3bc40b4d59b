import { BaseService, bool, int, oneOf, text, textarea, type ConfigField } from './base.js'

export const DNS_ZONE_MODES = ['auth', 'recursive', 'open'] as const

// Every key has a default, so every DNS_* variable is always set.
export class DnsService extends BaseService {
  readonly name = 'dns'
  readonly ports = [53]
  override readonly configSchema: readonly ConfigField[] = [
    oneOf('zone_mode', 'Zone mode', DNS_ZONE_MODES, { default: 'auth', env: 'DNS_ZONE_MODE' }),
    text('domain', 'Domain', { default: '', env: 'DNS_DOMAIN', placeholder: 'corp.local' }),
    text('bind_version', 'version.bind answer', { default: '9.11.4-P2-RedHat-9.11.4-26.P2.el7_9.10', env: 'DNS_BIND_VERSION' }),
    text('nsid', 'NSID', { default: '', env: 'DNS_NSID' }),
    textarea('extra_records', 'Extra records', { default: '', env: 'DNS_EXTRA_RECORDS', help: 'one "<name> <TYPE> <value>" per line' }),
    bool('real_recursive', 'Real recursion', { default: false, env: 'DNS_REAL_RECURSIVE', help: 'forward queries to the upstream (reaches the internet)' }),
    text('upstream', 'Upstream resolver', { default: '8.8.8.8:53', env: 'DNS_UPSTREAM' }),
    int('forward_budget', 'Forward budget', { default: 50, env: 'DNS_FORWARD_BUDGET', help: 'queries forwarded per window' }),
    text('forward_window', 'Forward window (s)', { default: '1.0', env: 'DNS_FORWARD_WINDOW' }),
    text('state_path', 'State path', { default: '', env: 'DNS_STATE_PATH' }),
  ]

  override udpPorts(): number[] {
    return [53]
  }
}

export default new DnsService()
