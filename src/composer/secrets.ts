// Secret persona values (password fields, TLS keys) go to one env file per
// service container instead of the compose file: `<secretsDir>/<decky>-<svc>.env`,
// mode 0600 in a 0700 folder, referenced by `env_file:`.
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { envFileLine } from '../services/_env.js'

export function secretFilePath(secretsDir: string, deckyName: string, svcName: string): string {
  return join(secretsDir, `${deckyName}-${svcName}.env`)
}

/**
 * Moves the named variables out of `environment` (mutated) into env-file text.
 * Returns undefined when none of them is present.
 */
export function takeSecrets(environment: Record<string, string>, names: readonly string[], label: string): string | undefined {
  const lines: string[] = []
  for (const name of names) {
    const v = environment[name]
    if (v === undefined) continue
    lines.push(envFileLine(name, v))
    delete environment[name]
  }
  if (lines.length === 0) return undefined
  return `# decnet secrets for ${label} (written by the composer; keep mode 0600)\n${lines.join('\n')}\n`
}

/** Writes every env file with mode 0600 (folder 0700), replacing old contents atomically. */
export function writeSecretFiles(files: ReadonlyMap<string, string>): void {
  for (const [path, content] of files) {
    const dir = dirname(path)
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const tmp = `${path}.${process.pid}.tmp`
    writeFileSync(tmp, content, { mode: 0o600 })
    chmodSync(tmp, 0o600)
    renameSync(tmp, path)
  }
}
