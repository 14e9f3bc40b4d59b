// Placeholder until the http emulator lands (issue 3).
import type { EmulatorFactory } from '../../runtime/context.js'

export const create: EmulatorFactory = () => {
  throw new Error('http emulator not implemented yet')
}
