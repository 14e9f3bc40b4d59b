// One catalogue of coded errors. Three kinds, three paths:
//  - UserError (bad INI, bad flags): one line naming file/section/key, exit 2, nothing deployed.
//  - attacker input: never an exception past the session; the emulator closes and emits protocol_error.
//  - our bugs: plain Errors, logged with stack, the service is restarted.

export const ErrorCodes = [
  'CONFIG_INVALID',
  'CONFIG_KEY_INVALID',
  'CONFIG_SECTION_INVALID',
  'CONFIG_DUPLICATE',
  'CONFIG_INTERPOLATION',
  'CONFIG_FILE',
  'SERVICE_UNKNOWN',
  'SERVICE_CONFIG_INVALID',
  'DISTRO_UNKNOWN',
  'ARCHETYPE_UNKNOWN',
  'FLEET_INVALID',
  'IP_POOL_EXHAUSTED',
  'FLAG_INVALID',
  'PORT_PRIVILEGED',
  'ADDRESS_UNAVAILABLE',
  'STATE_MISSING',
  'DEPLOYMENT_ACTIVE',
  'DEPLOY_FAILED',
  'STORE_ERROR',
  'PCAP_INVALID',
] as const
export type ErrorCode = (typeof ErrorCodes)[number]

export class DecnetError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.name = new.target.name
  }
}

/** An error the user can fix (config, flags, environment). Printed as one line; exit code 2. */
export class UserError extends DecnetError {
  readonly exitCode = 2
}

/** Config errors always name where: `file: [section] key: problem`. */
export class ConfigError extends UserError {}

export function where(file: string | undefined, section?: string, key?: string): string {
  const parts: string[] = []
  if (file) parts.push(`${file}:`)
  if (section !== undefined) parts.push(`[${section}]`)
  if (key !== undefined) parts.push(`${key}:`)
  return parts.join(' ')
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError
}
