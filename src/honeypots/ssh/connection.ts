// One TCP connection: admitted by the runtime, tapped for the client's ident
// and KEXINIT (HASSH), then handed to an ssh2 server instance configured as
// the persona's OpenSSH. Auth, channels and forwarding requests from here.
import type { Socket } from 'node:net'
import ssh2 from 'ssh2'
import type { Connection } from 'ssh2'
import type { Session } from '../../runtime/context.js'
import { AuthPolicy, AUTH_LIMITS } from './auth.js'
import { handleSessionChannel, CHANNEL_LIMITS, type ConnectionStats } from './channels.js'
import { hassh } from '../../fingerprints/hassh.js'
import { HelloTap } from './client-hello.js'
import type { SshRuntime } from './runtime.js'
import type { ShellUser } from '../shared/shell/persona.js'

const SSH_DISCONNECT_PROTOCOL_ERROR = 2
const MAX_IDENT_IN_EVENT = 255
const INVALID_IDENT_REPLY = 'Invalid SSH identification string.\r\n'

interface ProtocolHandle {
  /** ssh2 internals; the description argument comes from patches/ssh2+1.17.0.patch */
  _protocol?: { disconnect?(reason: number, description?: string): void }
}

export function handleSocket(rt: SshRuntime, socket: Socket, s: Session): void {
  const started = Date.now()
  const stats: ConnectionStats = { bytes: 0, commands: 0, recorded: false }
  let versionSent = false
  let ident: string | undefined

  const sendVersion = (extra: Record<string, string>) => {
    if (versionSent || ident === undefined) return
    versionSent = true
    s.emit('client_version', { client_version: ident.slice(0, MAX_IDENT_IN_EVENT), ...extra })
  }

  const tap = new HelloTap()
  const onTap = (chunk: Buffer) => {
    const r = tap.feed(chunk)
    if (r.hello?.ident !== undefined) ident = r.hello.ident
    if (r.state === 'more') return
    socket.off('data', onTap)
    if (r.state === 'error' && !ident?.startsWith('SSH-')) return refuseIdent(r.error ?? 'not an SSH identification')
    if (r.hello?.kexinit) {
      const h = hassh(r.hello.kexinit)
      sendVersion({ hassh: h.hash, hassh_algorithms: h.algorithms })
    } else sendVersion({})
  }
  // sshd (kex_exchange_identification): a client may send no line before its
  // SSH- ident; it answers this line and closes. Not a client_version: no fingerprint from garbage.
  const refuseIdent = (error: string) => {
    versionSent = true
    s.emit('protocol_error', { error, data: ident?.slice(0, MAX_IDENT_IN_EVENT) })
    socket.end(INVALID_IDENT_REPLY)
    setTimeout(() => s.close('invalid_ident'), 50).unref()
  }
  socket.on('data', onTap)

  socket.once('close', () => {
    sendVersion({})
    if (stats.recorded) {
      const tr = stats.transcript
      s.emit('session_recorded', {
        sid: s.id, service: 'ssh', duration_s: ((Date.now() - started) / 1000).toFixed(3), bytes: stats.bytes, commands: stats.commands,
        truncated: tr?.truncated ?? false, transcript: tr ? `transcripts/${tr.file.split('/').pop()}` : undefined,
      })
    }
  })

  const server = new ssh2.Server(rt.serverConfig)
  server.on('connection', (client: Connection) => {
    client.on('error', () => {})
    onClient(rt, s, client, stats, () => s.authenticated())
  })
  try {
    server.injectSocket(socket)
  } catch (e) {
    s.emit('protocol_error', { error: String(e).slice(0, 200) })
    s.close('protocol_error')
  }
}

function onClient(rt: SshRuntime, s: Session, client: Connection, stats: ConnectionStats, authenticated: () => void): void {
  let user: ShellUser | undefined
  let sessions = 0
  const auth = new AuthPolicy(rt.persona, rt.authMethods, {
    emit: (type, fields) => s.emit(type, fields),
    closed: () => s.closed,
    failDelayMs: rt.failDelayMs,
    onSuccess: (u) => {
      user = u
    },
    tooManyFailures: () => {
      s.emit('auth_exhausted', { attempts: AUTH_LIMITS.maxAuthTries })
      try {
        ;(client as unknown as ProtocolHandle)._protocol?.disconnect?.(SSH_DISCONNECT_PROTOCOL_ERROR, 'Too many authentication failures')
      } catch {
        // the socket is going away anyway
      }
      setImmediate(() => s.close('too_many_auth_failures'))
    },
  })
  client.on('authentication', (actx) => {
    try {
      auth.handle(actx)
    } catch (e) {
      s.emit('protocol_error', { error: String(e).slice(0, 200) })
      s.close('protocol_error')
    }
  })
  client.on('ready', () => {
    authenticated()
    s.emit('login', { username: user?.name ?? '' })
  })
  client.on('session', (accept, reject) => {
    if (!user || ++sessions > CHANNEL_LIMITS.maxSessionsPerConnection) return reject()
    const session = accept()
    handleSessionChannel(rt, s, user, session, stats, rt.ptyCounter++ % 8)
  })
  client.on('tcpip', (_accept, reject, info) => {
    s.emit('port_forward_refused', {
      kind: 'direct-tcpip', dest_host: String(info.destIP).slice(0, 255), dest_port: info.destPort,
      orig_host: String(info.srcIP).slice(0, 255), orig_port: info.srcPort,
    })
    reject()
  })
  client.on('openssh.streamlocal', (_accept, reject, info) => {
    s.emit('port_forward_refused', { kind: 'direct-streamlocal', dest_path: String(info.socketPath).slice(0, 255) })
    reject()
  })
  client.on('request', (_accept, reject, name, info) => {
    const bind = info as { bindAddr?: string; bindPort?: number; socketPath?: string }
    s.emit('port_forward_refused', {
      kind: name, bind_host: bind.bindAddr?.slice(0, 255), bind_port: bind.bindPort, bind_path: bind.socketPath?.slice(0, 255),
    })
    reject?.()
  })
}
