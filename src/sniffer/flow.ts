// State of one TCP connection while its handshakes are being read.
import type { HandshakeReader } from './tls/handshake-reader.js'
import type { SshReader } from './ssh/ident.js'
import type { StreamBuffer } from './tcp/stream-buffer.js'

export const PROTO = Object.freeze({ UNKNOWN: 0, TLS: 1, SSH: 2, OTHER: 3 })
export type Proto = (typeof PROTO)[keyof typeof PROTO]

export interface ClientSummary {
  ja3: string
  ja4: string
  sni: string | undefined
}

export class Flow {
  proto: Proto = PROTO.UNKNOWN
  lastUs: number
  // TCP handshake timing (JA4L)
  synUs: number | undefined
  synTtl: number | undefined
  synAckUs: number | undefined
  synAckTtl: number | undefined
  ackUs: number | undefined
  serverIsn: number | undefined
  // handshake readers, one per direction
  clientTls: HandshakeReader | undefined
  serverTls: HandshakeReader | undefined
  clientSsh: SshReader | undefined
  serverSsh: SshReader | undefined
  clientDone = false
  serverDone = false
  bannerEmitted = false
  /** Every handshake read (or abandoned): the entry only remembers that until FIN/RST/idle. */
  done = false
  client: ClientSummary | undefined
  /** Next flow in the same hash bucket (FlowTable). */
  next: Flow | undefined

  constructor(
    /** FlowTable key: 30-bit hash (IPv4) or the canonical tuple text (IPv6). */
    readonly key: number | string,
    /** The lower and higher endpoint ids (IPv4: addr·65536+port; IPv6: "hex:port"). */
    readonly epLo: number | string,
    readonly epHi: number | string,
    /** Endpoint id of the client. */
    readonly clientEp: number | string,
    readonly clientIp: string,
    readonly clientPort: number,
    readonly serverIp: string,
    readonly serverPort: number,
    readonly firstUs: number,
    readonly c2s: StreamBuffer,
    readonly s2c: StreamBuffer,
  ) {
    this.lastUs = firstUs
  }

  release(): void {
    this.c2s.release()
    this.s2c.release()
    this.clientTls = this.serverTls = undefined
    this.clientSsh = this.serverSsh = undefined
  }
}
