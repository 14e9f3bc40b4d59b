// Diagnostics from library code (not attacker events) go through a callback
// the caller injects — a `log` / `warn` / `onLog` option — never straight to
// process.stderr. The CLI passes `stderrLog()`; a library defaults to
// `silent`, or to `stderrLog()` where a caller it does not own relies on
// seeing the line.

/** One diagnostic line, without a trailing newline. */
export type LogFn = (message: string) => void

export const silent: LogFn = () => {}

/** `<prefix>: <message>` lines on stderr (the CLI's logger). */
export function stderrLog(prefix = 'decnet'): LogFn {
  return (message) => {
    process.stderr.write(`${prefix}: ${message}\n`)
  }
}
