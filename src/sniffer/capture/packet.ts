// One captured frame as every packet source hands it over.

/** Link-layer header types we decode (tcpdump.org/linktypes.html). */
export const LINKTYPE = Object.freeze({
  NULL: 0,
  ETHERNET: 1,
  RAW_BSD_12: 12,
  RAW_BSD_14: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
})

export interface RawPacket {
  /** Capture time in microseconds since the Unix epoch (exact below 2^53 µs, i.e. until year 2255). */
  tsUs: number
  linkType: number
  /** Captured bytes; a view that is only valid during the callback. */
  data: Buffer
  /** Length on the wire (≥ data.length when the snap length cut the frame). */
  origLen: number
}

/**
 * The RawPacket a reader hands out: one reused object whose `data` view is
 * built only when asked for; the sniffer reads `bytes[start, end)` directly.
 */
export class PacketView implements RawPacket {
  tsUs = 0
  linkType = 0
  origLen = 0
  bytes: Buffer = Buffer.alloc(0)
  start = 0
  end = 0
  get data(): Buffer {
    return this.bytes.subarray(this.start, this.end)
  }
}

export type PacketHandler = (packet: RawPacket) => void

/** A source of packets: a file, or a live capture. */
export interface PacketSource {
  /** Delivers every packet to `onPacket`; resolves at end of file / when the capture stops. */
  run(onPacket: PacketHandler): Promise<void>
  /** Ends a live capture early; no-op for a finished source. */
  stop(): void
}
