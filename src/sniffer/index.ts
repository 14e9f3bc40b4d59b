// Public surface of the sniffer.
export { Sniffer, UNKNOWN_DECKY, packetTime, type DeckyResolver, type SnifferOptions, type SnifferStats } from './sniffer.js'
export { FileSource, LiveSource, type LiveOptions } from './capture/sources.js'
export { PcapStreamReader, PcapFormatError, readCapture } from './capture/pcap-reader.js'
export { LINKTYPE, type PacketSource, type RawPacket } from './capture/packet.js'
export { DEFAULT_LIMITS, type SnifferLimits } from './limits.js'
