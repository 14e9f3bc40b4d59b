// SMB emulator: direct TCP on 445 and NetBIOS session service on 139, one
// SmbConnection per socket. Per-decky identity (server GUID, names, build,
// shares) is fixed at start; challenges and session ids are fresh per use.
import type { Socket } from 'node:net'
import type { EmulatorFactory, HoneypotContext, Session } from '../../runtime/context.js'
import { fileTime } from '../shared/ntlmssp.js'
import { windowsIdentity } from '../shared/windows-identity.js'
import { smbBaitAccounts } from '../../services/smb.js'
import { buildShares } from './bait.js'
import { MAX_PDU } from './constants.js'
import { SmbConnection } from './connection.js'
import type { ServerEnv } from './state.js'

const DAY_MS = 86_400_000
/** A connection that has not logged on by then is dropped: keepalives alone cannot hold a slot. */
export const SMB_LOGON_DEADLINE_MS = 60_000

/** Bait accounts from persona keys (one parser, in the plugin: `decnet status` lists the same). */
export const baitAccounts = smbBaitAccounts

export function serverEnv(ctx: HoneypotContext): ServerEnv {
  const rng = ctx.rng.fork('smb/server')
  const guid = rng.bytes(16)
  guid[7] = ((guid[7] as number) & 0x0f) | 0x40 // a v4 GUID, as Windows generates
  guid[8] = ((guid[8] as number) & 0x3f) | 0x80
  const totalUnits = BigInt(rng.int(30, 240)) * 1_000_000n
  return {
    ctx,
    identity: windowsIdentity(ctx),
    serverGuid: guid,
    shares: buildShares(ctx),
    accounts: baitAccounts(ctx.config),
    volume: {
      serial: rng.int(0x10000000, 0xffffffff),
      created: fileTime(Date.now() - rng.int(200, 1500) * DAY_MS),
      totalUnits,
      freeUnits: (totalUnits * BigInt(rng.int(20, 70))) / 100n,
    },
  }
}

export const create: EmulatorFactory = (ctx) => ({
  async start() {
    const env = serverEnv(ctx)
    const serve = (netbios: boolean) => (socket: Socket, s: Session) => {
      const conn = new SmbConnection(env, s, (b) => {
        if (!socket.destroyed) socket.write(b)
      }, { netbios, maxPdu: Math.min(MAX_PDU, Math.max(ctx.limits.maxFrameBytes, 70_000)) })
      let ended = false
      socket.once('close', () => conn.close())
      socket.on('data', (d: Buffer) => {
        if (ended) return // after a framing error the rest of the stream is not SMB
        let ok: boolean
        try {
          ok = conn.onData(d)
        } catch (e) {
          s.emit('protocol_error', { error: (e as Error).message })
          ok = false
        }
        if (ok) return
        ended = true
        socket.end(() => s.close('protocol'))
      })
    }
    // MS-SMB2 2.1: direct TCP on 445; RFC 1002 NetBIOS session service on 139
    const opts = { noDelay: true, handshakeTimeoutMs: SMB_LOGON_DEADLINE_MS, handshakeReason: 'logon_timeout' }
    await ctx.listenTcp(445, serve(false), opts)
    await ctx.listenTcp(139, serve(true), opts)
  },
})
