// Whether this process is the CLI's own (started by bin/decnet.js, or as the
// --detach runner) rather than a host that calls main() (tests). Only then may
// a command end it: a runner whose deployment stopped exits after a short grace
// period even if some handle (a socket, a timer) would keep it alive.
export const EXIT_GRACE_MS = 1_000

let owned = false

/** main() sets it from its options. */
export function setOwnsProcess(v: boolean): void {
  owned = v
}

export function ownsProcess(): boolean {
  return owned
}

/** When this process is the CLI's own: exit (with process.exitCode) after graceMs unless it ended by itself before. */
export function exitAfterGrace(graceMs: number = EXIT_GRACE_MS): void {
  if (!owned) return
  setTimeout(() => process.exit(), graceMs).unref()
}
