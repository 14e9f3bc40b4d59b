// Every command the emulated shell knows, by name.
import type { CommandFn } from '../types.js'
import { ACCOUNT_COMMANDS } from './account.js'
import { FILE_COMMANDS } from './files.js'
import { NETWORK_COMMANDS } from './network.js'
import { SYSTEM_COMMANDS } from './system.js'
import { TEXT_COMMANDS } from './text.js'
import { TEST_COMMANDS } from './test.js'

export const COMMANDS: Readonly<Record<string, CommandFn>> = Object.freeze({
  ...FILE_COMMANDS,
  ...TEXT_COMMANDS,
  ...SYSTEM_COMMANDS,
  ...NETWORK_COMMANDS,
  ...ACCOUNT_COMMANDS,
  ...TEST_COMMANDS,
})
