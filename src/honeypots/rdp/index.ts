// RDP emulator: X.224 negotiation with the mstshash cookie captured, TLS with
// the decky's certificate, then CredSSP/NLA (NTLM captured, logon refused as
// Windows refuses it) or, in TLS-only mode, the client's MCS core data.
import { randomBytes } from 'node:crypto'
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { EmulatorFactory, HoneypotContext, Session } from '../../runtime/context.js'
import { buildChallenge, credentialFields, findNtlmssp, MESSAGE_TYPE, parseAuthenticate, parseNegotiate } from '../shared/ntlmssp.js'
import { FrameReader, TPKT } from '../shared/frame-reader.js'
import { deckyCertificate } from '../shared/tls.js'
import { windowsIdentity, type WindowsIdentity } from '../shared/windows-identity.js'
import { buildTsRequest, MAX_TSREQUEST, parseTsRequest, SERVER_VERSION, tsRequestLength } from './credssp.js'
import { parseClientCore } from './mcs.js'
import {
  legacyConfirm, negotiationFailure, negotiationResponse, parseConnectionRequest, protocolNames, PROTOCOL, selectProtocol, drainTpkt, MAX_TPKT,
} from './x224.js'

const STATUS_LOGON_FAILURE = 0xc000006d | 0
/** First byte of a TLS handshake record: Windows also accepts TLS without the X.224 exchange (nmap ssl-cert, Shodan do that). */
const TLS_HANDSHAKE = 0x16
const CLIENT_HELLO_VERSION_END = 11
const TLS1_0 = 0x0301
/**
 * Windows Server 2019 SChannel default suite order, restricted to what an RSA
 * key and Node's OpenSSL can offer: ECDSA and PSK suites dropped (RSA key),
 * TLS_RSA_WITH_3DES_EDE_CBC_SHA and the RSA_WITH_NULL_* tail are not in
 * Node's OpenSSL build. TLS 1.3 is off, as on 2019 (2022 offers it).
 */
const SCHANNEL_2019_CIPHERS = [
  'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES128-GCM-SHA256',
  'DHE-RSA-AES256-GCM-SHA384', 'DHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-SHA384', 'ECDHE-RSA-AES128-SHA256',
  'ECDHE-RSA-AES256-SHA', 'ECDHE-RSA-AES128-SHA',
  'AES256-GCM-SHA384', 'AES128-GCM-SHA256', 'AES256-SHA256', 'AES128-SHA256', 'AES256-SHA', 'AES128-SHA',
  // TLS 1.0/1.1 sign the key exchange with MD5+SHA1, which OpenSSL 3 refuses above level 0; Server 2019 still speaks both
  '@SECLEVEL=0',
].join(':')
/** SChannel's curve order on Server 2019: X25519, P-256, P-384. */
const SCHANNEL_2019_CURVES = 'X25519:P-256:P-384'
/** How often the certificate is rebuilt to follow its seeded renewal cycle. */
const CERT_RECHECK_MS = 6 * 3_600_000
/** The whole X.224 → TLS → CredSSP sequence must end by then (a slowloris holds no slot longer). */
export const RDP_CONNECT_DEADLINE_MS = 30_000
/** TSRequests per connection before we hang up. */
const MAX_CREDSSP_ROUNDS = 4

interface Env {
  ctx: HoneypotContext
  identity: WindowsIdentity
  key: string
  cert: string
  nla: boolean
}

function fail(s: Session, socket: Socket, error: string): void {
  s.emit('protocol_error', { error })
  socket.destroy()
  s.close('protocol')
}

/** Phase 1: one X.224 Connection Request, then the Connection Confirm. */
function handleConnection(env: Env, socket: Socket, s: Session): void {
  let buf: Buffer = Buffer.alloc(0)
  const tpkt = new FrameReader(TPKT, MAX_TPKT)
  const onData = (d: Buffer) => {
    if (buf.length > 0 || (tpkt.pending === 0 && d[0] === TLS_HANDSHAKE)) {
      buf = Buffer.concat([buf, d])
      // TLS straight away: what Windows does when the first byte is a handshake record
      if (buf.length < CLIENT_HELLO_VERSION_END) return
      // record header (5) + handshake header (4) + client_version: SSL 3.0 hellos (nmap's SSLSessionReq probe) are dropped
      if (buf.readUInt16BE(CLIENT_HELLO_VERSION_END - 2) < TLS1_0) return fail(s, socket, 'SSLv3 ClientHello')
      socket.off('data', onData)
      s.emit('negotiation', { result: 'success', selected: 'ssl', direct_tls: true })
      socket.pause()
      socket.unshift(buf)
      startTls(env, socket, s, PROTOCOL.SSL)
      return
    }
    tpkt.push(d)
    const { packets, error } = drainTpkt(tpkt)
    if (error) return fail(s, socket, error)
    const pkt = packets[0]
    if (!pkt) return
    socket.off('data', onData)
    const cr = parseConnectionRequest(pkt)
    if (!cr) return fail(s, socket, 'not an X.224 connection request')
    const requested = cr.requestedProtocols
    const base = { requested_protocols: requested === undefined ? 'none' : protocolNames(requested), ...(cr.truncated ? { truncated: true } : {}) }
    if (cr.cookie !== undefined) s.emit('rdp_cookie', { ...base, username: cr.cookie, principal: cr.cookie })
    else s.emit('connection_request', { ...base, ...(cr.routingToken ? { routing_token: cr.routingToken } : {}) })
    if (requested === undefined) {
      // legacy client: standard RDP security, which this decoy does not offer past the confirm
      socket.end(legacyConfirm())
      return
    }
    const sel = selectProtocol(requested, env.nla)
    if (typeof sel !== 'number') {
      s.emit('negotiation', { result: 'failure', failure_code: sel.failure })
      socket.end(negotiationFailure(sel.failure))
      return
    }
    s.emit('negotiation', { result: 'success', selected: protocolNames(sel) })
    socket.write(negotiationResponse(sel), () => startTls(env, socket, s, sel))
  }
  socket.on('data', onData)
}

function startTls(env: Env, socket: Socket, s: Session, selected: number): void {
  if (socket.destroyed) return
  const tls = env.ctx.upgradeTls(socket, s, {
    key: env.key, cert: env.cert, maxVersion: 'TLSv1.2', minVersion: 'TLSv1',
    ciphers: SCHANNEL_2019_CIPHERS, honorCipherOrder: true, ecdhCurve: SCHANNEL_2019_CURVES, dhparam: 'auto',
  })
  tls.once('secure', () => {
    if (selected === PROTOCOL.SSL) readClientData(tls, s)
    else credssp(env, tls, s)
  })
}

/** PROTOCOL_SSL: log the client's core data from MCS Connect-Initial, then hang up. */
function readClientData(tls: TLSSocket, s: Session): void {
  const tpkt = new FrameReader(TPKT, MAX_TPKT)
  tls.on('data', (d: Buffer) => {
    tpkt.push(d)
    const { packets, error } = drainTpkt(tpkt)
    if (error) {
      s.emit('protocol_error', { error })
      tls.destroy()
      return
    }
    const pkt = packets[0]
    if (!pkt) return
    const core = parseClientCore(pkt)
    if (core) {
      s.emit('rdp_client_info', {
        client_name: core.clientName, client_build: core.clientBuild, keyboard_layout: `0x${core.keyboardLayout.toString(16).padStart(8, '0')}`,
        rdp_version: core.version, desktop: `${core.width}x${core.height}`,
      })
    }
    tls.destroy()
  })
}

/** CredSSP (MS-CSSP 3.1.5): NEGOTIATE → CHALLENGE, AUTHENTICATE → captured, logon failure. */
function credssp(env: Env, tls: TLSSocket, s: Session): void {
  let buf: Buffer = Buffer.alloc(0)
  let rounds = 0
  let challenge: Buffer | undefined
  tls.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d])
    for (;;) {
      const need = tsRequestLength(buf)
      if (need === 'invalid' || (typeof need === 'number' && need > MAX_TSREQUEST)) {
        s.emit('protocol_error', { error: 'bad TSRequest framing' })
        tls.destroy()
        return
      }
      if (need === undefined || buf.length < need) return
      const msg = buf.subarray(0, need)
      buf = buf.subarray(need)
      if (++rounds > MAX_CREDSSP_ROUNDS) {
        tls.destroy()
        return
      }
      const req = parseTsRequest(msg)
      const tok = req?.negoToken
      const at = tok ? findNtlmssp(tok) : -1
      if (!req || !tok || at < 0 || tok.length < at + 12) {
        s.emit('protocol_error', { error: 'TSRequest without an NTLMSSP token', ts_version: req?.version ?? -1 })
        tls.destroy()
        return
      }
      const ntlm = tok.subarray(at)
      const type = ntlm.readUInt32LE(8)
      if (type === MESSAGE_TYPE.NEGOTIATE) {
        const neg = parseNegotiate(ntlm)
        challenge = randomBytes(8)
        const ch = buildChallenge({ serverChallenge: challenge, clientFlags: neg?.flags, ...env.identity })
        tls.write(buildTsRequest({ version: SERVER_VERSION, negoToken: ch }))
        continue
      }
      const auth = type === MESSAGE_TYPE.AUTHENTICATE ? parseAuthenticate(ntlm) : undefined
      if (!auth || !challenge) {
        s.emit('protocol_error', { error: 'malformed NTLMSSP in TSRequest', ntlm_type: type })
        tls.destroy()
        return
      }
      s.emit('auth_attempt', { auth_path: 'nla', ...credentialFields(auth, challenge), ts_version: req.version, result: 'failure' })
      // MS-CSSP 3.1.5: version 3+ clients get the NTSTATUS in errorCode
      if (req.version >= 3) tls.end(buildTsRequest({ version: SERVER_VERSION, errorCode: STATUS_LOGON_FAILURE }))
      else tls.end()
      return
    }
  })
}

export const create: EmulatorFactory = (ctx) => {
  let renew: NodeJS.Timeout | undefined
  return {
    async start() {
      const identity = windowsIdentity(ctx)
      // Windows' self-signed RDP certificate: CN = the computer's DNS name, 6 months, serverAuth
      const certOpts = { cn: identity.dnsComputer, keyFile: 'rdp-key.pem', profile: 'windows-rdp' } as const
      const { key, cert } = await deckyCertificate(ctx, certOpts)
      const env: Env = { ctx, identity, key, cert, nla: ctx.config.nla === true }
      // Windows renews its certificate before it expires; a long-running decky follows the same cycle
      renew = setInterval(() => {
        deckyCertificate(ctx, certOpts).then((c) => Object.assign(env, c), () => undefined)
      }, CERT_RECHECK_MS)
      renew.unref()
      // nothing logs on here (NLA always fails): every connection gets the connection-sequence deadline
      await ctx.listenTcp(3389, (socket, s) => handleConnection(env, socket, s), { noDelay: true, handshakeTimeoutMs: RDP_CONNECT_DEADLINE_MS, handshakeReason: 'connect_timeout' })
    },
    async stop() {
      clearInterval(renew)
    },
  }
}
