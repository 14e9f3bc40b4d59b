import { BaseService, bool, int, text, type ConfigField } from './base.js'
import type { EmulatorFactory } from '../runtime/context.js'
import type { ServiceConfig } from '../config/model.js'
import { quarantineEnv, quarantineVolume } from './_common.js'

/** In-container path of the quarantine mount. */
export const TFTP_QUARANTINE = '/srv/tftp/.incoming'

// TFTP: UDP only.
export class TftpService extends BaseService {
  readonly name = 'tftp'
  readonly ports: readonly number[] = []
  // Persona keys read by the emulator (src/honeypots/tftp; docs/ftp.md).
  override readonly configSchema: readonly ConfigField[] = [
    bool('upload', 'Accept uploads', { default: true, env: 'TFTP_UPLOAD', help: 'WRQ is accepted and quarantined (tftpd-hpa --create); off: 2 Access violation' }),
    text('files', 'Extra bait names', { env: 'TFTP_FILES', help: 'comma-separated extra file names served with seeded router configs' }),
    int('max_retries', 'Retransmissions', { default: 5, env: 'TFTP_MAX_RETRIES', help: 'per block before a transfer is abandoned' }),
  ]

  override udpPorts(): number[] {
    return [69]
  }

  protected override environment(cfg: ServiceConfig): Record<string, string> {
    return { ...super.environment(cfg), ...quarantineEnv(TFTP_QUARANTINE) }
  }

  protected override volumes(deckyName: string, _cfg: ServiceConfig): string[] {
    return [quarantineVolume(deckyName, this.name, TFTP_QUARANTINE)]
  }

  override emulator(): Promise<EmulatorFactory> {
    return import('../honeypots/tftp/index.js').then((m) => m.create)
  }
}

export default new TftpService()
