// Command name → implementation ("/usr/bin/ls" and "ls" are the same command).
import { COMMANDS } from './commands/index.js'
import type { CommandFn } from './types.js'

export function lookupCommand(name: string): CommandFn | undefined {
  const base = name.slice(name.lastIndexOf('/') + 1)
  return Object.prototype.hasOwnProperty.call(COMMANDS, base) ? COMMANDS[base] : undefined
}
