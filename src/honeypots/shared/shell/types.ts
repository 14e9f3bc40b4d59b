import type { FieldInput } from '../../../events/event.js'
import type { FakeFs } from './fs.js'
import type { ShellPersona, ShellUser } from './persona.js'
import type { ShellBudget } from './budget.js'

/** What the transport (ssh, telnet) gives the shell. */
export interface ShellHost {
  /** Emits an attacker event; the transport adds src_ip/src_port. */
  emit(type: string, fields: Record<string, FieldInput>): void
  /** Reads one line with echo off (sudo/su/passwd prompts); undefined without a terminal. */
  readSecret?(prompt: string): Promise<string | undefined>
  /** Peer address, for `w`, `who`, `last`, SSH_CLIENT. */
  peerIp: string
  peerPort: number
  localPort: number
  /** Service name for ps/w (sshd, login). */
  service: 'ssh' | 'telnet'
  tty: string
}

export interface ShellState {
  readonly fs: FakeFs
  readonly persona: ShellPersona
  user: ShellUser
  cwd: string
  readonly env: Map<string, string>
  readonly history: string[]
  lastExit: number
  /** True after exit/logout. */
  exited: boolean
  /** sudo timestamp: the user gave a correct password this session. */
  sudoOk: boolean
  /** Users stacked by su/sudo -i; exit pops. */
  readonly userStack: ShellUser[]
  readonly host: ShellHost
  readonly interactive: boolean
  readonly started: number
  /** Set by break/continue, consumed by the enclosing loop. */
  loopControl?: 'break' | 'continue'
  /** Loops currently running (break outside a loop is an error). */
  loopDepth?: number
  /** CPU budget of the session (budget.ts); created on first use. */
  budget?: ShellBudget
}

export interface CmdContext {
  argv: string[]
  stdin: string
  out(s: string): void
  err(s: string): void
  sh: ShellState
  /** Runs a nested command line (sh -c, sudo cmd, nohup) with this context's output. */
  run(line: string): Promise<number>
}

export type CommandFn = (c: CmdContext) => number | Promise<number>
