// What every connection of one ssh emulator shares: the persona, the fake
// machine, the ssh2 server options and the login history.
import type { ServerConfig } from 'ssh2'
import type { HoneypotContext } from '../../runtime/context.js'
import type { FakeFs } from '../shared/shell/fs.js'
import type { ShellPersona } from '../shared/shell/persona.js'
import type { HostKey } from './host-keys.js'

export interface SshRuntime {
  ctx: HoneypotContext
  persona: ShellPersona
  fs: FakeFs
  /** SSH-2.0-<ident> */
  ident: string
  /** ssh2 options; serverSigAlgs is read by patches/ssh2+1.17.0.patch */
  serverConfig: ServerConfig & { serverSigAlgs?: string }
  hostKeys: HostKey[]
  /** user → previous login, for "Last login:" */
  lastLogins: Map<string, { at: Date; from: string }>
  /** Methods listed after a failed attempt. */
  authMethods: readonly string[]
  /** Delay before a failed password reply (ms); undefined = pam_unix-like default. */
  failDelayMs?: number
  ptyCounter: number
  /** Where interactive sessions' JSONL transcripts go. */
  transcriptsDir: string
}
