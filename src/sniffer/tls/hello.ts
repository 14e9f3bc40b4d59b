// ClientHello and ServerHello bodies (RFC 8446 §4.1.2, §4.1.3; RFC 5246 §7.4.1)
// parsed into the values the fingerprints need (src/fingerprints/tls.ts).
// undefined = malformed.
import { EXT, type ClientHello, type ServerHello } from '../../fingerprints/tls.js'
import { Reader, printable } from '../reader.js'

export const HANDSHAKE = Object.freeze({ CLIENT_HELLO: 1, SERVER_HELLO: 2 })
/** Longest SNI / ALPN value we report. */
export const MAX_NAME_CHARS = 255
/** Most ALPN protocols we keep. */
export const MAX_ALPN = 32

// struct { ProtocolVersion legacy_version; Random random[32]; opaque legacy_session_id<0..32>;
//   CipherSuite cipher_suites<2..2^16-2>; opaque legacy_compression_methods<1..2^8-1>;
//   Extension extensions<8..2^16-1>; } ClientHello;  (extensions absent in old clients)
export function parseClientHello(body: Buffer): ClientHello | undefined {
  const r = new Reader(body)
  const legacyVersion = r.u16()
  if (legacyVersion === undefined || !r.skip(32)) return undefined
  const sid = r.u8()
  if (sid === undefined || sid > 32 || !r.skip(sid)) return undefined
  const cl = r.u16()
  if (cl === undefined) return undefined
  const ciphers = r.u16List(cl)
  if (!ciphers) return undefined
  const compl = r.u8()
  if (compl === undefined || !r.skip(compl)) return undefined
  const hello: ClientHello = {
    legacyVersion, sessionIdLength: sid, ciphers, extensions: [], groups: [], pointFormats: [], sigAlgs: [],
    supportedVersions: [], sni: undefined, alpn: [],
  }
  if (r.remaining === 0) return hello
  const el = r.u16()
  const exts = el === undefined ? undefined : r.sub(el)
  if (!exts) return undefined
  while (exts.remaining > 0) {
    const type = exts.u16()
    const len = exts.u16()
    const data = len === undefined ? undefined : exts.sub(len)
    if (type === undefined || !data) return undefined
    hello.extensions.push(type)
    if (!clientExtension(hello, type, data)) return undefined
  }
  return hello
}

function clientExtension(h: ClientHello, type: number, d: Reader): boolean {
  switch (type) {
    case EXT.SERVER_NAME: {
      // ServerNameList: u16 length, { u8 name_type; opaque HostName<1..2^16-1> }
      if (d.remaining === 0) return true // a server's empty echo; legal in hellos we only observe
      const list = d.sub(d.u16() ?? -1)
      if (!list) return false
      while (list.remaining > 0) {
        const kind = list.u8()
        const name = list.bytes(list.u16() ?? -1)
        if (kind === undefined || !name) return false
        if (kind === 0 && h.sni === undefined) h.sni = printable(name, MAX_NAME_CHARS)
      }
      return true
    }
    case EXT.SUPPORTED_GROUPS: {
      const n = d.u16()
      const v = n === undefined ? undefined : d.u16List(n)
      if (!v) return false
      h.groups = v
      return true
    }
    case EXT.EC_POINT_FORMATS: {
      const n = d.u8()
      const v = n === undefined ? undefined : d.bytes(n)
      if (!v) return false
      h.pointFormats = [...v]
      return true
    }
    case EXT.SIGNATURE_ALGORITHMS: {
      const n = d.u16()
      const v = n === undefined ? undefined : d.u16List(n)
      if (!v) return false
      h.sigAlgs = v
      return true
    }
    case EXT.ALPN: {
      const list = d.sub(d.u16() ?? -1)
      if (!list) return false
      while (list.remaining > 0) {
        const p = list.bytes(list.u8() ?? -1)
        if (!p) return false
        if (h.alpn.length < MAX_ALPN) h.alpn.push(Buffer.from(p))
      }
      return true
    }
    case EXT.SUPPORTED_VERSIONS: {
      const n = d.u8()
      const v = n === undefined ? undefined : d.u16List(n)
      if (!v) return false
      h.supportedVersions = v
      return true
    }
    default:
      return true
  }
}

// struct { ProtocolVersion legacy_version; Random random; opaque legacy_session_id_echo<0..32>;
//   CipherSuite cipher_suite; uint8 legacy_compression_method; Extension extensions<6..2^16-1>; } ServerHello;
export function parseServerHello(body: Buffer): ServerHello | undefined {
  const r = new Reader(body)
  const legacyVersion = r.u16()
  if (legacyVersion === undefined || !r.skip(32)) return undefined
  const sid = r.u8()
  if (sid === undefined || sid > 32 || !r.skip(sid)) return undefined
  const cipher = r.u16()
  if (cipher === undefined || r.u8() === undefined) return undefined
  const hello: ServerHello = { legacyVersion, cipher, extensions: [], selectedVersion: undefined, alpn: undefined }
  if (r.remaining === 0) return hello
  const exts = r.sub(r.u16() ?? -1)
  if (!exts) return undefined
  while (exts.remaining > 0) {
    const type = exts.u16()
    const len = exts.u16()
    const data = len === undefined ? undefined : exts.sub(len)
    if (type === undefined || !data) return undefined
    hello.extensions.push(type)
    if (type === EXT.SUPPORTED_VERSIONS) hello.selectedVersion = data.u16()
    else if (type === EXT.ALPN) {
      const list = data.sub(data.u16() ?? -1)
      const p = list?.bytes(list.u8() ?? -1)
      if (p) hello.alpn = Buffer.from(p)
    }
  }
  return hello
}

const VERSION_TEXT: Record<number, string> = {
  0x0002: 'SSL 2.0',
  0x0300: 'SSL 3.0',
  0x0301: 'TLS 1.0',
  0x0302: 'TLS 1.1',
  0x0303: 'TLS 1.2',
  0x0304: 'TLS 1.3',
}

export function versionText(v: number): string {
  return VERSION_TEXT[v] ?? `0x${v.toString(16).padStart(4, '0')}`
}
