import type { ServiceLimits } from './context.js'

/** Defaults for every service; a plugin or operator may tighten them. */
export const DEFAULT_LIMITS: Readonly<ServiceLimits> = Object.freeze({
  maxConnections: 256,
  maxConnectionsPerIp: 32,
  idleTimeoutMs: 120_000,
  maxLineBytes: 8 * 1024,
  maxFrameBytes: 1024 * 1024,
  maxSessionMs: 30 * 60_000,
  // Postfix's smtpd_timeout; protocols with a shorter login deadline of their own use it
  maxHandshakeMs: 300_000,
  udpDatagramsPerSecond: 50,
  udpReplyBytesPerSecond: 64 * 1024,
})
