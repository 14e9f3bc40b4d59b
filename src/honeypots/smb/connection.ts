// One SMB connection: NBSS frames in, SMB2 responses out. Handles the SMB1
// → SMB2 upgrade, NEGOTIATE, compounded requests, credits and signing, and
// dispatches every other command to its handler by table.
import { randomBytes } from 'node:crypto'
import type { Session } from '../../runtime/context.js'
import { fileTime } from '../shared/ntlmssp.js'
import { FrameReader, NETBIOS_SESSION_24 } from '../shared/frame-reader.js'
import { negTokenInit2 } from '../shared/spnego.js'
import { dialectName, logoff, sessionSetup } from './auth.js'
import {
  CAP, CIPHER, CMD, CMD_NAME, DIALECT, FLAGS, MAX_CREDITS, MAX_READ, NBSS, SMB1_MAGIC, SMB2_HEADER_SIZE, SMB2_MAGIC, SMB2_TRANSFORM_MAGIC, STATUS,
} from './constants.js'
import { COMMAND_HANDLERS, releaseOpens } from './files.js'
import { nbssFrame } from './framing.js'
import { buildHeader, errorBody, parseHeader } from './header.js'
import {
  buildNegotiateResponse, capabilitiesFor, chooseDialect, parseNegotiateRequest, pickCipher, smb1Dialects, smb1NegotiateResponse,
  smb1UpgradeDialect, SMB1_LAST_BUILD,
} from './negotiate.js'
import { preauthUpdate, signMessage } from './signing.js'
import type { AuthState, ConnState, Reply, Request, ServerEnv } from './state.js'
import { decryptMessage, encryptMessage, transformSessionId } from './transform.js'

/** Dialects this server speaks (Windows Server 2016+). */
export const SUPPORTED_DIALECTS = [DIALECT.SMB202, DIALECT.SMB210, DIALECT.SMB300, DIALECT.SMB302, DIALECT.SMB311] as const
/** Compounded requests per PDU. */
const MAX_COMPOUND = 32
/** RFC 1002 §4.3.1 session packet header: type, flags, length. */
const NBSS_HEADER = 4

type Handler = (c: ConnState, req: Request) => Reply

export class SmbConnection {
  readonly #framer: FrameReader
  readonly #c: ConnState
  readonly #send: (b: Buffer) => void
  readonly #netbios: boolean
  #nbssDone = false
  #smb1Answered = false

  constructor(env: ServerEnv, s: Session, send: (b: Buffer) => void, opts: { netbios: boolean; maxPdu: number }) {
    // maxPdu counts the payload; the reader's cap counts the 4-byte header too
    this.#framer = new FrameReader(NETBIOS_SESSION_24, opts.maxPdu + NBSS_HEADER)
    this.#send = send
    this.#netbios = opts.netbios
    this.#c = {
      env, s, dialect: 0, capabilities: 0, cipher: 0, clientSecurityMode: 0, clientCapabilities: 0, clientDialects: [],
      sessions: new Map(), trees: new Map(), opens: new Map(), nextTreeId: 1,
    }
  }

  /** The socket closed: uploads still open give their memory back. */
  close(): void {
    releaseOpens(this.#c)
  }

  /** Feed socket bytes. Returns false when the connection must be closed. */
  onData(data: Buffer): boolean {
    this.#framer.push(data)
    // every whole frame first, then handle them: frames after one that fails are dropped with it
    const frames: Buffer[] = []
    let error: string | undefined
    for (let r = this.#framer.next(); r; r = this.#framer.next()) {
      if ('error' in r) {
        error = r.error
        break
      }
      frames.push(r.frame)
    }
    for (const f of frames) {
      if (!this.#frame(f[0] as number, f.subarray(NBSS_HEADER))) return false
    }
    if (error) {
      this.#c.s.emit('protocol_error', { error })
      return false
    }
    return true
  }

  #frame(type: number, payload: Buffer): boolean {
    if (type === NBSS.KEEP_ALIVE) return true
    if (type === NBSS.SESSION_REQUEST) {
      if (!this.#netbios || this.#nbssDone) return false
      // RFC 1002 §4.3.2: called and calling names, first-level encoded; Windows accepts any called name
      this.#nbssDone = true
      this.#c.s.emit('netbios_session', { called: decodeNetbiosName(payload, 0), calling: decodeNetbiosName(payload, 34) })
      this.#send(nbssFrame(Buffer.alloc(0), NBSS.POSITIVE_RESPONSE))
      return true
    }
    if (type !== NBSS.SESSION_MESSAGE) return false
    // port 139 without a SESSION REQUEST: accept anyway, as Windows does
    if (payload.length >= 4 && payload.subarray(0, 4).equals(SMB1_MAGIC)) return this.#smb1(payload)
    if (payload.length >= 4 && payload.subarray(0, 4).equals(SMB2_TRANSFORM_MAGIC)) {
      const sid = transformSessionId(payload)
      const a = sid !== undefined ? this.#c.sessions.get(sid) : undefined
      const plain = a?.cipherKeys ? decryptMessage(payload, a.cipherKeys) : undefined
      if (!a || !plain) {
        this.#c.s.emit('protocol_error', { error: 'undecryptable transform message' })
        return false
      }
      return this.#smb2(plain, a)
    }
    if (payload.length < SMB2_HEADER_SIZE || !payload.subarray(0, 4).equals(SMB2_MAGIC)) {
      this.#c.s.emit('protocol_error', { error: 'not an SMB2 message', head: payload.subarray(0, 8) })
      return false
    }
    return this.#smb2(payload)
  }

  /**
   * SMB1 NEGOTIATE offering SMB 2.x → SMB2 NEGOTIATE response (MS-SMB2 3.3.5.3.1).
   * SMB1-only: a Server 2016 persona answers NT LM 0.12 (SMB1 still on there) and
   * drops the next SMB1 request; later builds drop it at once, as Windows with SMB1 off.
   */
  #smb1(pdu: Buffer): boolean {
    const dialects = smb1Dialects(pdu)
    const upgrade = dialects && this.#c.dialect === 0 ? smb1UpgradeDialect(dialects) : undefined
    const ntlm012 = dialects?.indexOf('NT LM 0.12') ?? -1
    const smb1On = this.#c.env.identity.version.build <= SMB1_LAST_BUILD && this.#c.dialect === 0 && !this.#smb1Answered
    const result = upgrade ? dialectName(upgrade) : smb1On && ntlm012 >= 0 ? 'NT LM 0.12' : 'refused'
    this.#c.s.emit('negotiate', { smb1: true, dialects: dialects ?? [], result })
    if (!upgrade && result === 'NT LM 0.12') {
      this.#smb1Answered = true
      const id = this.#c.env.identity
      this.#send(nbssFrame(smb1NegotiateResponse(pdu, {
        dialectIndex: ntlm012, challenge: randomBytes(8), domain: id.nbDomain, server: id.nbComputer, systemTime: fileTime(),
      })))
      return true
    }
    if (!upgrade) return false
    const body = this.#negotiateBody(upgrade, 0)
    if (upgrade !== DIALECT.WILDCARD) this.#setDialect(upgrade)
    const hdr = buildHeader({ status: STATUS.SUCCESS, command: CMD.NEGOTIATE, credits: 1, creditCharge: 0, messageId: 0n, treeId: 0, sessionId: 0n })
    this.#send(nbssFrame(Buffer.concat([hdr, body])))
    return true
  }

  #setDialect(d: number, clientCaps = 0): void {
    this.#c.dialect = d
    this.#c.capabilities = capabilitiesFor(d, clientCaps)
  }

  #negotiateBody(dialect: number, clientCapabilities: number, clientContexts?: Parameters<typeof buildNegotiateResponse>[0]['clientContexts']): Buffer {
    return buildNegotiateResponse({
      dialect,
      serverGuid: this.#c.env.serverGuid,
      securityBlob: negTokenInit2(),
      systemTime: fileTime(),
      maxSize: MAX_READ,
      clientCapabilities,
      ...(clientContexts ? { clientContexts } : {}),
    })
  }

  #negotiate(req: Request): Reply {
    const c = this.#c
    if (c.dialect !== 0 && c.dialect !== DIALECT.WILDCARD) return { status: STATUS.INVALID_PARAMETER, body: errorBody(), close: true }
    const n = parseNegotiateRequest(req.msg)
    if (!n) return { status: STATUS.INVALID_PARAMETER, body: errorBody(), close: true }
    const d = chooseDialect(n.dialects, SUPPORTED_DIALECTS)
    c.s.emit('negotiate', {
      dialects: n.dialects.map(dialectName), client_guid: n.clientGuid, security_mode: n.securityMode,
      capabilities: n.capabilities, contexts: n.contexts.map((x) => x.type), result: d ? dialectName(d) : 'no_common_dialect',
    })
    if (!d) return { status: STATUS.NOT_SUPPORTED, body: errorBody(), close: true }
    this.#setDialect(d, n.capabilities)
    c.cipher = d === DIALECT.SMB311 ? (pickCipher(n.contexts) ?? 0) : d >= DIALECT.SMB300 && n.capabilities & CAP.ENCRYPTION ? CIPHER.AES_128_CCM : 0
    c.clientGuid = n.clientGuid
    c.clientSecurityMode = n.securityMode
    c.clientCapabilities = n.capabilities
    c.clientDialects = n.dialects
    if (d === DIALECT.SMB311) c.preauth = preauthUpdate(Buffer.alloc(64), req.msg)
    return {
      status: STATUS.SUCCESS,
      body: this.#negotiateBody(d, n.capabilities, d === DIALECT.SMB311 ? n.contexts : undefined),
      onBuilt: (msg) => {
        if (d === DIALECT.SMB311) c.preauth = preauthUpdate(c.preauth ?? Buffer.alloc(64), msg)
      },
    }
  }

  #smb2(pdu: Buffer, encryptedFor?: AuthState): boolean {
    const out: Buffer[] = []
    let off = 0
    let prev: { sessionId: bigint; treeId: number; fileId?: Buffer } | undefined
    let keep = true
    for (let i = 0; i < MAX_COMPOUND; i++) {
      const hdr = parseHeader(pdu, off)
      if (!hdr) {
        this.#c.s.emit('protocol_error', { error: 'bad SMB2 header', offset: off })
        return false
      }
      const end = hdr.nextCommand ? off + hdr.nextCommand : pdu.length
      if (end > pdu.length || end < off + SMB2_HEADER_SIZE) {
        this.#c.s.emit('protocol_error', { error: 'bad NextCommand', offset: off })
        return false
      }
      const related = (hdr.flags & FLAGS.RELATED_OPERATIONS) !== 0 && prev !== undefined
      if (related && prev) {
        if (hdr.sessionId === 0xffffffffffffffffn) hdr.sessionId = prev.sessionId
        if (hdr.treeId === 0xffffffff) hdr.treeId = prev.treeId
      }
      const req: Request = { hdr, msg: pdu.subarray(off, end), ...(related && prev?.fileId ? { relatedFileId: prev.fileId } : {}) }
      const r = this.#dispatch(req)
      if (r) {
        const msg = this.#build(req, r, hdr.nextCommand !== 0, encryptedFor !== undefined)
        out.push(msg)
        if (r.close) keep = false
        prev = { sessionId: r.sessionId ?? hdr.sessionId, treeId: r.treeId ?? hdr.treeId, ...(r.fileId ? { fileId: r.fileId } : prev?.fileId && related ? { fileId: prev.fileId } : {}) }
      }
      if (!hdr.nextCommand) break
      off = end
    }
    if (out.length) {
      const chain = Buffer.concat(out)
      const keys = encryptedFor?.cipherKeys
      this.#send(nbssFrame(keys && encryptedFor ? encryptMessage(chain, keys, encryptedFor.id) : chain))
    }
    return keep
  }

  #dispatch(req: Request): Reply | undefined {
    const c = this.#c
    const cmd = req.hdr.command
    if (cmd === CMD.CANCEL) return undefined
    if (cmd === CMD.NEGOTIATE) return this.#negotiate(req)
    if (c.dialect === 0 || c.dialect === DIALECT.WILDCARD) return { status: STATUS.INVALID_PARAMETER, body: errorBody(), close: true }
    if (cmd === CMD.SESSION_SETUP) return sessionSetup(c, req)
    if (cmd === CMD.LOGOFF) return logoff(c, req)
    const handler = (COMMAND_HANDLERS as Record<number, Handler | undefined>)[cmd]
    if (!handler) {
      c.s.emit('unknown_command', { command: CMD_NAME[cmd] ?? cmd })
      return { status: STATUS.NOT_SUPPORTED, body: errorBody() }
    }
    return handler(c, req)
  }

  /** Header + body, padded to 8 when more follow; signed when the session signs. */
  #build(req: Request, r: Reply, more: boolean, encrypted: boolean): Buffer {
    const c = this.#c
    const credits = Math.max(1, Math.min(req.hdr.credits, MAX_CREDITS))
    const hdr = buildHeader({
      status: r.status,
      command: req.hdr.command,
      credits,
      creditCharge: req.hdr.creditCharge,
      flags: req.hdr.flags & FLAGS.RELATED_OPERATIONS,
      messageId: req.hdr.messageId,
      treeId: r.treeId ?? req.hdr.treeId,
      sessionId: r.sessionId ?? req.hdr.sessionId,
    })
    let msg = Buffer.concat([hdr, r.body])
    if (more) {
      msg = Buffer.concat([msg, Buffer.alloc((8 - (msg.length % 8)) % 8)])
      msg.writeUInt32LE(msg.length, 20)
    }
    r.onBuilt?.(msg)
    const sessionKey = c.sessions.get(r.sessionId ?? req.hdr.sessionId)?.signingKey
    const key = r.forceSignKey ?? ((req.hdr.flags & FLAGS.SIGNED) !== 0 && !r.noSign ? sessionKey : undefined)
    if (key && !encrypted) signMessage(msg, c.dialect, key)
    return msg
  }

}

/** RFC 1001 §14.1 first-level decoding of a 32-char NetBIOS name at `at` (length byte first). */
export function decodeNetbiosName(p: Buffer, at: number): string {
  if (at + 33 > p.length || p[at] !== 0x20) return ''
  let s = ''
  for (let i = 0; i < 16; i++) {
    const hi = (p[at + 1 + i * 2] as number) - 0x41
    const lo = (p[at + 2 + i * 2] as number) - 0x41
    if (hi < 0 || hi > 15 || lo < 0 || lo > 15) return ''
    s += String.fromCharCode((hi << 4) | lo)
  }
  return s.slice(0, 15).trimEnd().replace(/[^\x20-\x7e]/g, '?')
}
