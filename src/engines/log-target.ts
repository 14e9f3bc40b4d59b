// --log-target host:port (or LOG_TARGET in a container): every event also
// leaves as an RFC 5424 line through the collector's SyslogForwarder (UDP
// unless the target names tcp:// or tls://).
import type { EventSink } from '../events/sink.js'
import { SyslogForwarder } from '../collector/index.js'

export interface ClosableSink extends EventSink {
  close?(): Promise<void>
}

export async function logTargetSink(target: string): Promise<ClosableSink> {
  return new SyslogForwarder(target)
}
