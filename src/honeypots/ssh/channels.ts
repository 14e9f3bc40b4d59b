// What an authenticated client can do on a session channel: an interactive
// shell (pty + shell), exec requests (the same interpreter, scp -t/-f), and
// the sftp subsystem. Everything runs against the fake machine.
import type { ServerChannel, SFTPWrapper, Session as SshSession } from 'ssh2'
import type { Session } from '../../runtime/context.js'
import { newShellState } from '../shared/shell/interpreter.js'
import { InteractiveShell, runCommandString } from '../shared/shell/terminal.js'
import type { ShellUser } from '../shared/shell/persona.js'
import type { ShellHost, ShellState } from '../shared/shell/types.js'
import { parseScpCommand, ScpSink, scpSource } from './scp.js'
import { serveSftp, SFTP_LIMITS } from './sftp.js'
import { processMemoryBudget, refusalFields, type MemoryRefusal } from '../../runtime/memory-budget.js'
import { UploadBuffer } from '../../runtime/upload-buffer.js'
import { Severity } from '../../events/event.js'
import { EXEC_STDIN_LIMITS, readsStdin } from './exec-stdin.js'
import type { SshRuntime } from './runtime.js'
import { loginBanner } from './banner.js'
import { Transcript } from '../shared/shell/transcript.js'

export const CHANNEL_LIMITS = Object.freeze({
  maxExecBytes: 16 * 1024,
  maxSessionsPerConnection: 10,
})

/** `resource_refused`: the process memory budget (or the channel's share) said no. */
function refused(s: Session, what: string, r: MemoryRefusal | undefined, extra: Record<string, string> = {}): void {
  s.emit('resource_refused', { ...refusalFields(what, r), ...extra }, { severity: Severity.WARNING })
}

export interface ConnectionStats {
  bytes: number
  commands: number
  recorded: boolean
  transcript?: Transcript
}

function shellHost(s: Session, tty: string): ShellHost {
  return {
    emit: (type, fields) => s.emit(type, fields),
    peerIp: s.peer.ip,
    peerPort: s.peer.port,
    localPort: s.localPort,
    service: 'ssh',
    tty,
  }
}

export function handleSessionChannel(rt: SshRuntime, s: Session, user: ShellUser, session: SshSession, stats: ConnectionStats, ptyNo: number): void {
  let pty: { term: string; cols: number; rows: number } | undefined
  const env = new Map<string, string>()
  const tty = `/dev/pts/${ptyNo}`
  const makeState = (interactive: boolean): ShellState => {
    const sh = newShellState({ fs: rt.fs, persona: rt.persona, user, host: shellHost(s, tty), interactive })
    for (const [k, v] of env) if (k === 'LANG' || k.startsWith('LC_')) sh.env.set(k, v)
    if (pty) sh.env.set('TERM', pty.term || 'xterm')
    return sh
  }

  session.on('pty', (accept, _reject, info) => {
    pty = { term: String(info.term ?? '').slice(0, 63), cols: info.cols, rows: info.rows }
    accept?.()
  })
  let transcript: Transcript | undefined
  session.on('window-change', (accept, _reject, info) => {
    transcript?.resize(info.cols, info.rows)
    accept?.()
  })
  session.on('env', (accept, _reject, info) => {
    if (env.size < 32) env.set(String(info.key).slice(0, 64), String(info.val).slice(0, 256))
    accept?.()
  })
  session.on('signal', (accept) => accept?.())
  session.on('x11', (_accept, reject) => reject?.())
  session.on('auth-agent', (_accept, reject) => reject?.())

  session.on('shell', (accept) => {
    const stream = accept()
    stream.on('error', () => {})
    stats.recorded = true
    const sh = makeState(pty !== undefined)
    if (!stats.transcript) {
      // transcripts count against the decky's artifact quota like uploads
      transcript = new Transcript(rt.transcriptsDir, s.id, { width: pty?.cols ?? 80, height: pty?.rows ?? 24, term: pty?.term ?? '' }, new Date(), {
        reserve: (n) => rt.ctx.artifacts.reserve(n),
      })
      stats.transcript = transcript
    }
    const term = new InteractiveShell(sh, {
      write: (text) => {
        stats.bytes += text.length
        transcript?.output(text)
        stream.write(text)
      },
      end: (status) => {
        stream.exit(status)
        stream.end()
      },
    }, rt.ctx.limits.maxLineBytes, pty !== undefined)
    stream.on('data', (d: Buffer) => {
      stats.bytes += d.length
      transcript?.input(d)
      s.touch()
      term.feed(d)
    })
    stream.on('close', () => {
      stats.commands += term.commands
    })
    // no pty and the client closed stdin: bash reached EOF
    stream.on('end', () => {
      if (!pty && !term.ended) term.feed(Buffer.from('\n\x04'))
    })
    const banner = loginBanner(rt, user, s.peer.ip)
    term.start(pty ? banner : '')
  })

  session.on('exec', (accept, _reject, info) => {
    const stream = accept()
    stream.on('error', () => {})
    stats.recorded = true
    const cmd = String(info.command).slice(0, CHANNEL_LIMITS.maxExecBytes)
    s.emit('exec', { cmd, user: user.name })
    stats.commands++
    const scp = parseScpCommand(cmd)
    if (scp) return runScp(rt, s, user, stream, scp)
    const sh = makeState(false)
    const out = (t: string) => {
      stats.bytes += t.length
      stream.write(pty ? t.replace(/\r?\n/g, '\r\n') : t)
    }
    const err = (t: string) => {
      stats.bytes += t.length
      stream.stderr.write(t)
    }
    const go = (stdin: Buffer) =>
      runCommandString(sh, cmd, out, err, stdin.toString('latin1'))
        .catch(() => 1)
        .then((status) => {
          stream.exit(status)
          stream.end()
        })
    if (!readsStdin(cmd)) {
      stream.on('data', (d: Buffer) => {
        stats.bytes += d.length
      })
      void go(Buffer.alloc(0))
      return
    }
    // the payload comes on stdin: keep it (bounded) until EOF, then run
    const cap = Math.min(rt.ctx.artifacts.maxFileBytes, EXEC_STDIN_LIMITS.maxBytes)
    const buf = new UploadBuffer(processMemoryBudget().lease(), cap)
    let refusedAt = -1
    let started = false
    const start = (run = true) => {
      if (started) return
      started = true
      clearTimeout(timer)
      const a = buf.assemble()
      const data = a?.data ?? Buffer.alloc(0)
      const truncated = refusedAt >= 0 || (a?.truncated ?? true)
      if (data.length > 0) {
        void rt.ctx.artifacts
          .save({ name: 'stdin', data, truncated, originalSize: buf.size, peer: s.peer, fields: { via: 'exec_stdin', cmd, ssh_user: user.name, session: s.id, stdin_truncated: truncated } })
          .catch((e: unknown) => rt.ctx.log.warn(`exec stdin artifact: ${String(e)}`))
          .finally(() => buf.close())
      } else buf.close()
      if (run) void go(data)
    }
    const timer = setTimeout(() => start(), EXEC_STDIN_LIMITS.maxWaitMs)
    timer.unref()
    stream.on('data', (d: Buffer) => {
      stats.bytes += d.length
      s.touch()
      if (refusedAt >= 0 || started) return
      // bounded by the per-file cap (the rest only counts as truncated) and the process budget
      if (!buf.append(d)) {
        refusedAt = buf.size
        refused(s, 'exec_stdin', buf.lastRefusal, { cmd })
      }
    })
    stream.on('end', () => start())
    stream.on('close', () => start(false))
  })

  session.on('sftp', (accept) => {
    const sftp = accept()
    sftp.on('error', () => {})
    stats.recorded = true
    s.emit('sftp_session', { user: user.name })
    sftp.on('end', () => closeSftp(sftp))
    serveSftp(sftp, {
      fs: rt.fs,
      user,
      maxFileBytes: rt.ctx.artifacts.maxFileBytes,
      memory: processMemoryBudget().lease(SFTP_LIMITS.maxBufferedBytes),
      onOp: () => s.touch(),
      onRefused: (path, r) => refused(s, 'sftp_upload', r, { orig_path: path }),
      onUpload: (u) => {
        stats.bytes += u.data.length
        void rt.ctx.artifacts
          .save({
            name: u.path.split('/').pop() ?? 'upload', data: u.data, truncated: u.truncated, originalSize: u.size, peer: s.peer,
            fields: { via: 'sftp', orig_path: u.path, ssh_user: user.name, session: s.id },
          })
          .catch((e: unknown) => rt.ctx.log.warn(`sftp artifact: ${String(e)}`))
          .finally(() => u.done())
      },
    })
  })

  session.on('subsystem', (_accept, reject, info) => {
    s.emit('subsystem_refused', { name: String(info.name).slice(0, 64) })
    reject?.()
  })
}

interface SftpChannelInternals {
  outgoing?: { id: number; state: string }
  _protocol?: { exitStatus?(chan: number, status: number): void; channelEOF?(chan: number): void }
}

/** When the client is done: exit-status 0, EOF, CLOSE, as sshd does for a finished subsystem. */
function closeSftp(sftp: SFTPWrapper): void {
  const ch = sftp as unknown as SftpChannelInternals
  try {
    if (ch.outgoing && ch.outgoing.state === 'open') {
      ch._protocol?.exitStatus?.(ch.outgoing.id, 0)
      ch._protocol?.channelEOF?.(ch.outgoing.id)
      ch.outgoing.state = 'eof'
    }
  } catch {
    // the channel is already gone
  }
  sftp.end()
}

function runScp(rt: SshRuntime, s: Session, user: ShellUser, stream: ServerChannel, args: NonNullable<ReturnType<typeof parseScpCommand>>): void {
  const finish = (status: number) => {
    stream.exit(status)
    stream.end()
  }
  if (args.mode === 'source') {
    const r = scpSource(rt.fs, user, user.home, args.target)
    stream.once('data', () => {
      if (typeof r === 'string') {
        stream.write(Buffer.concat([Buffer.from([1]), Buffer.from(r)]))
        return finish(1)
      }
      stream.write(r.header)
      stream.once('data', () => {
        stream.write(r.body)
        stream.once('data', () => finish(0))
      })
    })
    return
  }
  const sink = new ScpSink(rt.fs, user, args.target, user.home, rt.ctx.artifacts.maxFileBytes, {
    write: (b) => stream.write(b),
    file: (f) => {
      void rt.ctx.artifacts
        .save({ name: f.name, data: f.data, truncated: f.truncated, originalSize: f.size, peer: s.peer, fields: { via: 'scp', orig_path: f.path, ssh_user: user.name, session: s.id } })
        .catch((e: unknown) => rt.ctx.log.warn(`scp artifact: ${String(e)}`))
        .finally(() => f.done())
    },
    end: finish,
    refused: (path, r) => refused(s, 'scp_upload', r, { orig_path: path }),
  }, processMemoryBudget().lease())
  stream.on('data', (d: Buffer) => {
    s.touch()
    sink.feed(d)
  })
  stream.on('end', () => sink.eof())
  stream.on('close', () => sink.close())
}
