// The emulated shell's CPU budget. Every session of every decky shares one
// event loop, and the interpreter's awaits on already-resolved promises never
// let it turn: a nested loop or a long pipeline would hold every service
// until it ends. So the interpreter calls `tick` at every step (a list item,
// a loop iteration, a command): after ~SLICE_MS of work it yields to the
// event loop (setImmediate, so timers and sockets run before it resumes),
// and past the per-line or per-session budget it throws BudgetExceeded, which
// the top-level runLine turns into bash's "Killed" (status 137, as when the
// kernel kills a runaway process) and one `command_budget_exceeded` event.
import type { ShellState } from './types.js'

export const BUDGET_LIMITS = Object.freeze({
  /** Work done between two yields to the event loop. */
  sliceMs: 4,
  /** Steps (list items, loop iterations, commands) one command line may take. */
  maxLineSteps: 50_000,
  /** Active time one command line may take (waits for typed passwords excluded). */
  maxLineMs: 2_000,
  /** Steps and active time for a whole session. */
  maxSessionSteps: 1_000_000,
  maxSessionMs: 30_000,
  /** A gap this long between two ticks is a wait (a prompt, the regex worker), not work. */
  maxCountedGapMs: 50,
})

export class BudgetExceeded extends Error {
  constructor(readonly scope: 'line' | 'session') {
    super(`shell ${scope} budget exceeded`)
  }
}

export class ShellBudget {
  sessionSteps = 0
  sessionMs = 0
  lineSteps = 0
  lineMs = 0
  #sliceStart = 0
  #last = 0
  /** Set once the session budget is spent: every later line is killed at once. */
  spent = false

  constructor(readonly limits: typeof BUDGET_LIMITS = BUDGET_LIMITS) {}

  /** A new top-level command line starts. */
  startLine(): void {
    this.lineSteps = 0
    this.lineMs = 0
    this.#sliceStart = this.#last = performance.now()
  }

  /** Counts `steps`; yields when the slice is used; throws when a budget is spent. */
  async tick(steps = 1): Promise<void> {
    const now = performance.now()
    const gap = now - this.#last
    this.#last = now
    if (gap < this.limits.maxCountedGapMs) {
      this.lineMs += gap
      this.sessionMs += gap
    } else this.#sliceStart = now // waited: a new slice starts here
    this.lineSteps += steps
    this.sessionSteps += steps
    this.check()
    if (now - this.#sliceStart >= this.limits.sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve))
      this.#sliceStart = this.#last = performance.now()
    }
  }

  /** Throws when the line or the session has used its budget. */
  check(): void {
    const l = this.limits
    if (this.spent || this.sessionSteps > l.maxSessionSteps || this.sessionMs > l.maxSessionMs) {
      this.spent = true
      throw new BudgetExceeded('session')
    }
    if (this.lineSteps > l.maxLineSteps || this.lineMs > l.maxLineMs) throw new BudgetExceeded('line')
  }
}

/** The session's budget (created on first use, so hand-made states get one too). */
export function budgetOf(sh: ShellState): ShellBudget {
  sh.budget ??= new ShellBudget()
  return sh.budget
}

/** Yields to the event loop now (long-running commands call this between chunks). */
export function yieldNow(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve))
}
