// The authentication policy: the persona's bait accounts get in, everything
// else fails like OpenSSH with PAM (≈2 s pam_unix delay, `publickey,password`
// after each failure, disconnect after MaxAuthTries). Every attempt is an
// auth_attempt event; passwords become credential rows.
import type { AuthContext } from 'ssh2'
import { encodeSecret } from '../../events/event.js'
import type { ShellPersona, ShellUser } from '../shared/shell/persona.js'
import { findUser } from '../shared/shell/persona.js'
import { sha256Fingerprint } from './host-keys.js'

export const AUTH_LIMITS = Object.freeze({
  /** sshd_config MaxAuthTries default. */
  maxAuthTries: 6,
  /** pam_unix's failure delay, plus jitter. */
  failDelayMs: 2000,
  failJitterMs: 400,
  /** sshd_config LoginGraceTime default. */
  loginGraceMs: 120_000,
  maxUsername: 256,
  maxSecret: 1024,
})

export interface AuthHooks {
  emit(type: string, fields: Record<string, string | number | boolean | undefined>): void
  /** Ends the connection with SSH_DISCONNECT_PROTOCOL_ERROR like auth_maxtries_exceeded(). */
  tooManyFailures(): void
  onSuccess(user: ShellUser): void
  closed(): boolean
  /** Overridable for tests: delay before a failure reply. */
  failDelayMs?: number
}

/** The key type named at the start of an SSH public key blob (string type, ...). */
export function blobKeyType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined
  const len = blob.readUInt32BE(0)
  if (len === 0 || len > 64 || len > blob.length - 4) return undefined
  const t = blob.toString('latin1', 4, 4 + len)
  return /^[\x21-\x7e]+$/.test(t) ? t : undefined
}

export class AuthPolicy {
  failures = 0
  constructor(
    readonly persona: ShellPersona,
    readonly methods: readonly string[],
    readonly hooks: AuthHooks,
  ) {}

  #check(username: string, secret: string): ShellUser | undefined {
    const u = findUser(this.persona, username)
    return u && u.password !== undefined && u.password === secret ? u : undefined
  }

  #failLater(actx: AuthContext, counted: boolean, delay: boolean): void {
    const reply = () => {
      if (this.hooks.closed()) return
      if (counted && ++this.failures >= AUTH_LIMITS.maxAuthTries) {
        this.hooks.tooManyFailures()
        return
      }
      try {
        actx.reject([...this.methods] as never, false)
      } catch {
        // connection went away meanwhile
      }
    }
    if (!delay) return reply()
    const ms = this.hooks.failDelayMs ?? AUTH_LIMITS.failDelayMs + Math.floor(Math.random() * AUTH_LIMITS.failJitterMs)
    setTimeout(reply, ms).unref()
  }

  #password(actx: AuthContext, method: 'password' | 'keyboard-interactive', secret: string): void {
    const username = actx.username.slice(0, AUTH_LIMITS.maxUsername)
    const user = this.#check(actx.username, secret)
    this.hooks.emit('auth_attempt', {
      username, principal: username, method, secret_kind: 'plaintext',
      ...encodeSecret(secret.slice(0, AUTH_LIMITS.maxSecret)), outcome: user ? 'success' : 'failure',
    })
    if (user) {
      this.hooks.onSuccess(user)
      actx.accept()
      return
    }
    this.#failLater(actx, true, true)
  }

  handle(actx: AuthContext): void {
    const username = actx.username.slice(0, AUTH_LIMITS.maxUsername)
    switch (actx.method) {
      case 'none':
        // probing for methods is not counted by OpenSSH
        this.#failLater(actx, false, false)
        return
      case 'password':
        this.#password(actx, 'password', actx.password)
        return
      case 'keyboard-interactive':
        actx.prompt([{ prompt: 'Password: ', echo: false }], (answers) => {
          if (this.hooks.closed()) return
          this.#password(actx, 'keyboard-interactive', answers[0] ?? '')
        })
        return
      case 'publickey': {
        const blob = actx.key.data
        this.hooks.emit('auth_attempt', {
          username, principal: username, method: 'publickey', secret_kind: 'ssh_pubkey',
          key_type: blobKeyType(blob) ?? actx.key.algo, key_algo: actx.key.algo, key_fingerprint: sha256Fingerprint(blob), signed: actx.signature !== undefined, outcome: 'failure',
        })
        this.#failLater(actx, true, false)
        return
      }
      default:
        this.hooks.emit('auth_attempt', { username, principal: username, method: actx.method, outcome: 'failure' })
        this.#failLater(actx, true, false)
    }
  }
}
