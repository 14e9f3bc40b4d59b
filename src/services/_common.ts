// Small helpers several plugins share (not a plugin: the registry skips `_` files).
import { homedir } from 'node:os'
import { resolve } from 'node:path'
import { artifactsRoot } from './base.js'

/** `<ARTIFACTS_ROOT>/<decky>/<dir>:<target>:rw`, the quarantine bind mount. */
export function quarantineVolume(deckyName: string, dir: string, target: string): string {
  return `${artifactsRoot()}/${deckyName}/${dir}:${target}:rw`
}

/**
 * Hex of the decky key (SeededRng.deckyKey) the composer gives every emulated
 * service container through its secret env file; never the install secret.
 */
export const DECKY_KEY_ENV = 'DECNET_DECKY_KEY'

/** Tells run-service to store the service's artifacts in the mount's in-container path. */
export const QUARANTINE_DIR_ENV = 'DECNET_QUARANTINE_DIR'

/** Environment that goes with quarantineVolume(…, target). */
export function quarantineEnv(target: string): Record<string, string> {
  return { [QUARANTINE_DIR_ENV]: target }
}

/** A host path from persona config: `~` expanded, made absolute against the CWD. */
export function hostPath(p: string): string {
  if (p === '~') return homedir()
  if (p.startsWith('~/')) return resolve(homedir(), p.slice(2))
  return resolve(p)
}
