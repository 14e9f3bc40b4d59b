// The values of a TLS ClientHello / ServerHello (RFC 8446 §4.1.2, §4.1.3;
// RFC 5246 §7.4.1.2, §7.4.1.3) that JA3, JA3S, JA4 and JA4S are computed
// from. Whoever reads a hello off the wire (the sniffer) fills these.

/** Extension code points (IANA "TLS ExtensionType Values") the readers and fingerprints look at. */
export const EXT = Object.freeze({
  SERVER_NAME: 0x0000,
  SUPPORTED_GROUPS: 0x000a,
  EC_POINT_FORMATS: 0x000b,
  SIGNATURE_ALGORITHMS: 0x000d,
  ALPN: 0x0010,
  SESSION_TICKET: 0x0023,
  PRE_SHARED_KEY: 0x0029,
  EARLY_DATA: 0x002a,
  SUPPORTED_VERSIONS: 0x002b,
})

export interface ClientHello {
  legacyVersion: number
  sessionIdLength: number
  /** Wire order, GREASE included. */
  ciphers: number[]
  extensions: number[]
  groups: number[]
  pointFormats: number[]
  sigAlgs: number[]
  supportedVersions: number[]
  /** First host_name of the server_name extension (printable form). */
  sni: string | undefined
  alpn: Buffer[]
}

export interface ServerHello {
  legacyVersion: number
  cipher: number
  extensions: number[]
  /** supported_versions selected_version (TLS 1.3), if present. */
  selectedVersion: number | undefined
  alpn: Buffer | undefined
}
