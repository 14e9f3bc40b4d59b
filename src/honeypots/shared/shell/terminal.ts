// The interactive side of the shell: a line discipline (echo, backspace,
// Ctrl-C, Ctrl-D, Ctrl-U, history recall with the arrow keys), prompts, and
// one `command` event per entered line. Transport-neutral: ssh and telnet
// feed keystrokes in and send what `write` gets to the client.
import { prompt, remember, runLine } from './interpreter.js'
import type { ShellState } from './types.js'

export const TERMINAL_LIMITS = Object.freeze({
  /** Bytes typed ahead while a command runs. */
  maxPendingBytes: 64 * 1024,
  /** Bytes sent to the client in one session before it is closed. */
  maxOutputBytes: 16 * 1024 * 1024,
  /** Longest command text put in an event. */
  maxEventCmd: 4096,
})

export interface TerminalIo {
  /** Bytes for the client (already with CR LF). */
  write(s: string): void
  /** The shell ended (exit, logout, Ctrl-D): status for exit-status. */
  end(status: number): void
}

const CTRL_C = 0x03
const CTRL_D = 0x04
const CTRL_L = 0x0c
const CTRL_U = 0x15
const BS = 0x08
const DEL = 0x7f
const ESC = 0x1b

export const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n')

export class InteractiveShell {
  #line = ''
  #pending: number[] = []
  #busy = false
  #esc: number[] | undefined
  #secret: ((v: string | undefined) => void) | undefined
  #histIndex = -1
  #lastCR = false
  #written = 0
  #ended = false
  commands = 0

  constructor(
    readonly sh: ShellState,
    readonly io: TerminalIo,
    readonly maxLine: number,
    /** false: no pty (ssh -T, piped stdin): bash reads lines silently, no prompt, no echo, LF only. */
    readonly tty = true,
  ) {
    // the shell's prompts for sudo/su/passwd read through this terminal
    if (tty) sh.host.readSecret = (p) => this.readSecret(p)
  }

  get ended(): boolean {
    return this.#ended
  }

  /** motd, "Last login", first prompt. */
  start(banner: string): void {
    this.#write(banner)
    this.#echo(prompt(this.sh))
  }

  /** Terminal-only output: prompts, echo, editing feedback. */
  #echo(s: string): void {
    if (this.tty) this.#write(s)
  }

  #write(s: string): void {
    if (this.#ended) return
    const out = this.tty ? crlf(s) : s
    this.#written += out.length
    this.io.write(out)
    if (this.#written > TERMINAL_LIMITS.maxOutputBytes) this.#end(0)
  }

  #end(status: number): void {
    if (this.#ended) return
    this.#ended = true
    this.#secret?.(undefined)
    this.io.end(status)
  }

  readSecret(p: string): Promise<string | undefined> {
    if (this.#ended) return Promise.resolve(undefined)
    this.#write(p)
    this.#line = ''
    return new Promise((resolve) => {
      this.#secret = (v) => {
        this.#secret = undefined
        resolve(v)
      }
      // keystrokes typed ahead answer the prompt
      const queued = this.#pending
      this.#pending = []
      for (const b of queued) this.#key(b)
    })
  }

  feed(data: Buffer): void {
    for (const b of data) {
      if (this.#ended) return
      if (this.#busy && !this.#secret) {
        if (this.#pending.length < TERMINAL_LIMITS.maxPendingBytes) this.#pending.push(b)
        continue
      }
      this.#key(b)
    }
  }

  #key(b: number): void {
    const secret = this.#secret !== undefined
    if (this.#esc) {
      this.#esc.push(b)
      if (this.#esc.length === 2 && b !== 0x5b && b !== 0x4f) this.#esc = undefined
      else if (this.#esc.length >= 3 && (b >= 0x40 && b <= 0x7e)) {
        const final = b
        this.#esc = undefined
        if (!secret && (final === 0x41 || final === 0x42)) this.#recall(final === 0x41 ? -1 : 1)
      } else if (this.#esc.length > 8) this.#esc = undefined
      return
    }
    if (b === 0x0a && this.#lastCR) {
      this.#lastCR = false
      return
    }
    this.#lastCR = b === 0x0d
    if (b === 0x0d || b === 0x0a) {
      const line = this.#line
      this.#line = ''
      this.#echo('\n')
      if (secret) this.#secret?.(line)
      else this.#enter(line)
      return
    }
    if (b === ESC) {
      this.#esc = [b]
      return
    }
    if (b === CTRL_C) {
      this.#line = ''
      this.#echo('^C\n')
      if (secret) this.#secret?.(undefined)
      else this.#echo(prompt(this.sh))
      return
    }
    if (b === CTRL_D) {
      if (secret) {
        this.#echo('\n')
        this.#secret?.(undefined)
      } else if (this.#line === '') {
        this.#echo('logout\n')
        this.#end(0)
      }
      return
    }
    if (b === DEL || b === BS) {
      if (this.#line.length > 0) {
        this.#line = this.#line.slice(0, -1)
        if (!secret) this.#echo('\b \b')
      }
      return
    }
    if (b === CTRL_U) {
      if (!secret) this.#echo('\b \b'.repeat(this.#line.length))
      this.#line = ''
      return
    }
    if (b === CTRL_L && !secret) {
      this.#echo('\x1b[H\x1b[2J' + prompt(this.sh) + this.#line)
      return
    }
    if (b === 0x09) {
      this.#echo('\x07')
      return
    }
    if (b < 0x20) return
    if (this.#line.length >= this.maxLine) {
      this.#echo('\x07')
      return
    }
    // bytes ≥ 0x80 arrive one at a time; keep them as latin1 and fix up on Enter
    const ch = String.fromCharCode(b)
    this.#line += ch
    if (!secret && this.tty) this.io.write(ch)
  }

  #recall(dir: number): void {
    const h = this.sh.history
    if (!h.length) return
    let i = this.#histIndex === -1 ? h.length : this.#histIndex
    i = Math.max(0, Math.min(h.length, i + dir))
    this.#histIndex = i
    const next = i === h.length ? '' : (h[i] as string)
    this.#echo('\b \b'.repeat(this.#line.length) + next)
    this.#line = next
  }

  #enter(raw: string): void {
    const line = Buffer.from(raw, 'latin1').toString('utf8')
    this.#histIndex = -1
    if (line.trim() === '') {
      this.#echo(prompt(this.sh))
      return
    }
    this.commands++
    this.sh.host.emit('command', {
      cmd: line.slice(0, TERMINAL_LIMITS.maxEventCmd), cwd: this.sh.cwd, user: this.sh.user.name, uid: this.sh.user.uid,
    })
    remember(this.sh, line)
    this.#busy = true
    const o = { out: (s: string) => this.#write(s), err: (s: string) => this.#write(s) }
    runLine(this.sh, line, o)
      .catch(() => 1)
      .then((status) => {
        this.#busy = false
        if (this.sh.exited) {
          this.#echo('logout\n')
          this.#end(status)
          return
        }
        this.#echo(prompt(this.sh))
        const queued = this.#pending
        this.#pending = []
        this.feed(Buffer.from(queued))
      })
  }
}

/** Non-interactive run (ssh exec): output streamed, exit status returned. */
export async function runCommandString(sh: ShellState, cmd: string, out: (s: string) => void, err: (s: string) => void = out, stdin = ''): Promise<number> {
  return runLine(sh, cmd, { out, err }, stdin)
}
