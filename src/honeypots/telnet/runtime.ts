// What every connection of one telnet emulator shares: the persona, the fake
// machine, the dialect of the daemon and login program, the login history.
import type { HoneypotContext } from '../../runtime/context.js'
import type { FakeFs } from '../shared/shell/fs.js'
import type { ShellPersona } from '../shared/shell/persona.js'
import type { IosPersona } from './cisco.js'
import type { Dialect } from './dialects.js'

export interface TelnetRuntime {
  ctx: HoneypotContext
  persona: ShellPersona
  fs: FakeFs
  dialect: Dialect
  /** user → previous login, for "Last login:" */
  lastLogins: Map<string, { at: Date; from: string }>
  /** Overridable for tests: delay before "Login incorrect" (ms); undefined = the dialect's. */
  failDelayMs?: number
  ptyCounter: number
  /** Where interactive sessions' JSONL transcripts go. */
  transcriptsDir: string
  /** The IOS identity shown to a logged-in user (cisco persona). */
  ios(user: string): IosPersona
}
