// Syslog in (Collector) and out (SyslogForwarder).
export { Collector, COLLECTOR_LIMITS, type CollectorLimits, type CollectorOptions, type CollectorStats, type LineSink } from './server.js'
export { SyslogForwarder, FORWARDER_DEFAULTS, type ForwarderOptions, type ForwarderStats } from './forwarder.js'
export { StreamFramer } from './framing.js'
export { parseEndpoint, parseListen, endpointUrl, type Endpoint, type SyslogProto } from './listen.js'
