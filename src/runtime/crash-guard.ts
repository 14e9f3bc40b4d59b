// Process-wide safety net of the local engine: every decky lives in this one
// process, so an exception that escapes an emulator must cost that service
// only. Errors thrown inside a service's async scope restart that service;
// anything else is logged and the process carries on.
import { asError, serviceScope, type ServiceSupervisor } from './supervisor.js'

export interface CrashGuard {
  /** What the process handlers call (exposed so tests need not throw for real). */
  handle(err: unknown, kind: string): void
  release(): void
}

/**
 * Installs 'uncaughtException' and 'unhandledRejection' handlers. `owns`
 * says whether a supervisor belongs to the caller (several runtimes may share
 * a process in tests); `log` receives unattributed errors.
 */
export function installCrashGuard(owns: (s: ServiceSupervisor) => boolean, log: (msg: string) => void): CrashGuard {
  const handle = (raw: unknown, kind: string) => {
    const err = asError(raw)
    const sup = serviceScope.getStore()
    if (sup && owns(sup)) {
      log(`${sup.label}: ${kind}: ${err.stack ?? err.message} (restarting the service)`)
      void sup.crashed(err)
      return
    }
    log(`${kind} outside any service (ignored): ${err.stack ?? err.message}`)
  }
  const onException = (e: unknown) => handle(e, 'uncaught exception')
  const onRejection = (e: unknown) => handle(e, 'unhandled rejection')
  process.on('uncaughtException', onException)
  process.on('unhandledRejection', onRejection)
  return {
    handle,
    release() {
      process.off('uncaughtException', onException)
      process.off('unhandledRejection', onRejection)
    },
  }
}
