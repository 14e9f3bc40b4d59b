// Shell variables that follow the session's user and directory.
import type { ShellState } from './types.js'

export const VAR_LIMITS = Object.freeze({ maxVars: 256, maxVarBytes: 4096 })

export function setUserEnv(sh: ShellState): void {
  sh.env.set('USER', sh.user.name)
  sh.env.set('LOGNAME', sh.user.name)
  sh.env.set('HOME', sh.user.home)
  sh.env.set('PWD', sh.cwd)
}

export function setVar(sh: ShellState, k: string, v: string): void {
  if (sh.env.size >= VAR_LIMITS.maxVars && !sh.env.has(k)) return
  sh.env.set(k, v.slice(0, VAR_LIMITS.maxVarBytes))
}
