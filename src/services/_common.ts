// Small helpers several plugins share (not a plugin: the registry skips `_` files).
import { homedir } from 'node:os'
import { resolve } from 'node:path'
import { artifactsRoot } from './base.js'

/** `<ARTIFACTS_ROOT>/<decky>/<dir>:<target>:rw`, the quarantine bind mount. */
export function quarantineVolume(deckyName: string, dir: string, target: string): string {
  return `${artifactsRoot()}/${deckyName}/${dir}:${target}:rw`
}

/** A host path from persona config: `~` expanded, made absolute against the CWD. */
export function hostPath(p: string): string {
  if (p === '~') return homedir()
  if (p.startsWith('~/')) return resolve(homedir(), p.slice(2))
  return resolve(p)
}
