// Which service is running the current callback. Node carries this through
// timers and promises, so an exception that escapes an emulator can be
// charged to its service (the crash guard restarts that one only).
import { AsyncLocalStorage } from 'node:async_hooks'
import type { ServiceSupervisor } from './supervisor.js'

export const serviceScope = new AsyncLocalStorage<ServiceSupervisor>()

export function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e))
}
