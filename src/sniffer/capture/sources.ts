// Packet sources: a pcap/pcapng file, or a live capture through a tcpdump
// subprocess writing pcap to stdout (`tcpdump -i IF -w - -U [filter]`). Both
// feed the same PcapStreamReader; no native pcap binding is needed.
import { spawn, type ChildProcess } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { UserError } from '../../errors.js'
import type { LogFn } from '../../log.js'
import type { PacketHandler, PacketSource } from './packet.js'
import { PcapFormatError, PcapStreamReader } from './pcap-reader.js'

/** Read size for capture files. */
export const FILE_CHUNK_BYTES = 4 * 1024 * 1024
/** Snap length asked of tcpdump: handshakes need whole segments. */
export const LIVE_SNAPLEN = 65535

export class FileSource implements PacketSource {
  #stopped = false
  truncatedBytes = 0
  packets = 0

  constructor(readonly path: string) {}

  async run(onPacket: PacketHandler): Promise<void> {
    const reader = new PcapStreamReader(onPacket)
    const stream = createReadStream(this.path, { highWaterMark: FILE_CHUNK_BYTES })
    try {
      for await (const chunk of stream) {
        if (this.#stopped) break
        reader.push(chunk as Buffer)
      }
    } catch (e) {
      if (e instanceof PcapFormatError) throw new PcapFormatError(`${this.path}: ${e.message}`)
      const err = e as NodeJS.ErrnoException
      if (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EISDIR') {
        throw new UserError('PCAP_INVALID', `${this.path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`)
      }
      throw e
    } finally {
      stream.destroy()
    }
    this.packets = reader.packets
    if (this.#stopped) return
    try {
      this.truncatedBytes = reader.end().truncatedBytes
    } catch (e) {
      throw e instanceof PcapFormatError ? new PcapFormatError(`${this.path}: ${e.message}`) : e
    }
  }

  stop(): void {
    this.#stopped = true
  }
}

export interface LiveOptions {
  interface: string
  /** BPF filter expression passed to tcpdump as-is (one argv element per word is not needed). */
  filter?: string
  /** Capture tool (default "tcpdump" from PATH). */
  tcpdump?: string
  /** Called with tcpdump's stderr lines (its "listening on …" banner, warnings); default: dropped. */
  onLog?: LogFn
}

export class LiveSource implements PacketSource {
  #child: ChildProcess | undefined
  #stopping = false

  constructor(readonly opts: LiveOptions) {}

  /** argv for tcpdump: pcap to stdout, each packet written (and delivered by the kernel) at once, full snap length, no name resolution. */
  static args(opts: LiveOptions): string[] {
    const args = ['-i', opts.interface, '-w', '-', '-U', '--immediate-mode', '-n', '-s', String(LIVE_SNAPLEN)]
    if (opts.filter && opts.filter.trim() !== '') args.push(opts.filter)
    return args
  }

  run(onPacket: PacketHandler): Promise<void> {
    const reader = new PcapStreamReader(onPacket)
    const bin = this.opts.tcpdump ?? 'tcpdump'
    return new Promise((resolve, reject) => {
      const child = spawn(bin, LiveSource.args(this.opts), { stdio: ['ignore', 'pipe', 'pipe'] })
      this.#child = child
      let stderr = ''
      let failed: Error | undefined
      child.stdout.on('data', (chunk: Buffer) => {
        if (failed) return
        try {
          reader.push(chunk)
        } catch (e) {
          failed = e as Error
          child.kill('SIGTERM')
        }
      })
      child.stderr.setEncoding('utf8')
      child.stderr.on('data', (s: string) => {
        stderr = (stderr + s).slice(-4096)
        for (const line of s.split('\n')) if (line.trim()) this.opts.onLog?.(line.trim())
      })
      child.on('error', (e: NodeJS.ErrnoException) => {
        reject(new UserError('FLAG_INVALID', e.code === 'ENOENT' ? `${bin} not found: install tcpdump for live capture` : `${bin}: ${e.message}`))
      })
      child.on('close', (code, signal) => {
        if (failed) return reject(failed)
        if (this.#stopping || code === 0 || signal === 'SIGINT' || signal === 'SIGTERM') return resolve()
        const last = stderr.trim().split('\n').pop() ?? ''
        reject(new UserError('FLAG_INVALID', `tcpdump exited with ${code ?? signal}: ${last}`))
      })
    })
  }

  stop(): void {
    this.#stopping = true
    this.#child?.kill('SIGTERM')
  }
}
