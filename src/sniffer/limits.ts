// Every bound of the sniffer in one place. Times are in µs of capture time.

export interface SnifferLimits {
  /** Client→server bytes reassembled per flow (handshake only). */
  clientBytes: number
  /** Server→client bytes reassembled per flow. */
  serverBytes: number
  /** Flows tracked at once; the oldest is dropped beyond this. */
  maxFlows: number
  /** Bytes buffered across every flow. */
  maxBufferedBytes: number
  /** A flow with no packet for this long is forgotten. */
  flowIdleUs: number
  /** A flow that has not finished its handshake within this long after its first packet is forgotten. */
  handshakeTimeoutUs: number
  /** Repeats of one fingerprint from one source to one decky within this window are counted, not emitted. */
  dedupWindowUs: number
  /** Dedup keys remembered at once. */
  maxDedupKeys: number
}

export const DEFAULT_LIMITS: Readonly<SnifferLimits> = Object.freeze({
  clientBytes: 64 * 1024,
  serverBytes: 64 * 1024,
  maxFlows: 65536,
  maxBufferedBytes: 256 * 1024 * 1024,
  flowIdleUs: 120_000_000,
  handshakeTimeoutUs: 60_000_000,
  dedupWindowUs: 300_000_000,
  maxDedupKeys: 100_000,
})
