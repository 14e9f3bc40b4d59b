// The CLI's writers to stdout and stderr. A closed pipe (`decnet … | head`, a
// `tee` killed by Ctrl-C) never throws past them and never loops: the first
// write error marks the stream dead, later writes are dropped, and the
// process's "pipe gone" handler runs once. Without a handler the command ends
// quietly (exit 0), like any Unix tool; a foreground runner installs its own
// that stops the fleet first (deploy.ts).

type Stream = 'stdout' | 'stderr'

const dead: Record<Stream, boolean> = { stdout: false, stderr: false }
let guarded = false
let onGone: ((stream: Stream) => void) | undefined
let goneFired = false

function streamOf(s: Stream): NodeJS.WriteStream {
  return s === 'stdout' ? process.stdout : process.stderr
}

function markDead(s: Stream): void {
  if (dead[s]) return
  dead[s] = true
  if (goneFired) return
  goneFired = true
  if (onGone) onGone(s)
  else process.exit(0)
}

/** Installs the error listeners once (main() calls it): a dead stdout or stderr is never an uncaught exception. */
export function guardPipes(): void {
  if (guarded) return
  guarded = true
  for (const s of ['stdout', 'stderr'] as const) {
    streamOf(s).on('error', () => markDead(s))
  }
}

/** What happens when stdout or stderr goes away (once); undefined restores the default (exit 0). */
export function onPipeGone(handler: ((stream: Stream) => void) | undefined): void {
  onGone = handler
}

/** Whether a write to this stream has failed. */
export function isDead(s: Stream): boolean {
  return dead[s]
}

/** Writes text unless the stream is dead; a synchronous throw marks it dead instead of escaping. */
export function writeTo(s: Stream, text: string): void {
  if (dead[s]) return
  const stream = streamOf(s)
  if (stream.destroyed || stream.writableEnded) return markDead(s)
  try {
    stream.write(text)
  } catch {
    markDead(s)
  }
}

export const writeOut = (text: string): void => writeTo('stdout', text)
export const writeErr = (text: string): void => writeTo('stderr', text)

/** Tests: forget what died. */
export function resetPipes(): void {
  dead.stdout = dead.stderr = false
  goneFired = false
  onGone = undefined
}
