// A Session without a runtime, for driving emulator pieces in-process: it
// records events, touches and the close reason; close() can destroy a socket,
// as the runtime's does.
import type { FieldInput } from '../../src/events/event.js'
import type { Session } from '../../src/runtime/context.js'

export interface RecordedEvent {
  type: string
  fields: Record<string, FieldInput>
}

export interface FakeSession extends Session {
  readonly events: RecordedEvent[]
  /** The reason of the first close(), if any. */
  readonly closeReason: string | undefined
  /** How many times touch() was called. */
  readonly touches: number
  /** Whether authenticated() was called. */
  readonly loggedIn: boolean
  /** Resolves with the reason of the first close(). */
  readonly whenClosed: Promise<string>
}

export function fakeSession(opts: { destroy?: { destroy(): void }; port?: number } = {}): FakeSession {
  const events: RecordedEvent[] = []
  let reason: string | undefined
  let touches = 0
  let loggedIn = false
  let resolveClosed: (r: string) => void = () => {}
  const whenClosed = new Promise<string>((r) => (resolveClosed = r))
  return {
    id: 'fake-session',
    peer: { ip: '127.0.0.1', port: opts.port ?? 40000 },
    localPort: 1,
    events,
    whenClosed,
    emit(type: string, fields: Record<string, FieldInput> = {}) {
      events.push({ type, fields })
    },
    touch() {
      touches++
    },
    authenticated() {
      loggedIn = true
    },
    get loggedIn() {
      return loggedIn
    },
    close(r = 'server_close') {
      if (reason !== undefined) return
      reason = r
      opts.destroy?.destroy()
      resolveClosed(r)
    },
    get closed() {
      return reason !== undefined
    },
    get closeReason() {
      return reason
    },
    get touches() {
      return touches
    },
  }
}
