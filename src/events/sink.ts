// Where finished events go: the in-process ingester, the console feed, the
// syslog forwarder. Every emitter writes to one EventSink.
import type { DecnetEvent } from './event.js'

/** A sink receives finished events (in-process ingester, console feed, syslog forwarder). */
export interface EventSink {
  write(event: DecnetEvent): void
}

/** Sends each event to several sinks; one failing sink never stops the others. */
export class FanoutSink implements EventSink {
  constructor(
    private readonly sinks: EventSink[],
    private readonly onSinkError: (e: Error) => void = () => {},
  ) {}
  add(sink: EventSink): void {
    this.sinks.push(sink)
  }
  write(event: DecnetEvent): void {
    for (const s of this.sinks) {
      try {
        s.write(event)
      } catch (e) {
        this.onSinkError(e instanceof Error ? e : new Error(String(e)))
      }
    }
  }
}
