// Passive data ports. The kit has no ephemeral listener (a listener cannot be
// closed before its scope), so the pool binds every port of the persona's
// passive range (pasv_min_port..pasv_max_port, vsftpd's keys) once, at start,
// through ctx.listenTcp (mapped by ctx.port), and hands them out per PASV:
// a port is reserved for (port, client address) until its one data
// connection has come and gone. A connection from any other address is
// refused (vsftpd's pasv_promiscuous=NO) and logged. A port that cannot be
// bound is skipped, as vsftpd skips a busy port.
import { randomInt } from 'node:crypto'
import type { Socket } from 'node:net'
import type { HoneypotContext, Session } from '../../runtime/context.js'

/** At most this many ports are bound, whatever the range says. */
export const MAX_PASSIVE_PORTS = 64

export interface DataConnection {
  socket: Socket
  session: Session
}

export class PassiveSlot {
  #conn: DataConnection | undefined
  #waiter: ((c: DataConnection | undefined) => void) | undefined
  #released = false

  constructor(
    private readonly pool: PassivePool,
    readonly declared: number,
    /** The port bound (what PASV announces). */
    readonly port: number,
    readonly ip: string,
  ) {}

  get released(): boolean {
    return this.#released
  }

  /** The data connection arrived. false: this slot already has one (or was released). */
  offer(c: DataConnection): boolean {
    if (this.#released || this.#conn) return false
    this.#conn = c
    c.session.authenticated()
    c.socket.pause()
    const w = this.#waiter
    this.#waiter = undefined
    w?.(c)
    return true
  }

  /** Waits up to `ms` for the client to connect (vsftpd accept_timeout). */
  accept(ms: number): Promise<DataConnection | undefined> {
    if (this.#conn || this.#released) return Promise.resolve(this.#conn)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined
        resolve(undefined)
      }, ms)
      this.#waiter = (c) => {
        clearTimeout(timer)
        resolve(c)
      }
    })
  }

  /** Frees the port for the next PASV; an unused data connection is closed. */
  release(): void {
    if (this.#released) return
    this.#released = true
    this.pool.forget(this)
    const w = this.#waiter
    this.#waiter = undefined
    w?.(undefined)
  }

  /** Release and close the data connection, if any. */
  close(): void {
    this.release()
    if (this.#conn && !this.#conn.session.closed) this.#conn.session.close('server_close')
  }
}

export class PassivePool {
  /** declared → bound port. */
  readonly #ports = new Map<number, number>()
  readonly #slots = new Map<string, PassiveSlot>()

  constructor(private readonly ctx: HoneypotContext) {}

  get size(): number {
    return this.#ports.size
  }

  /** Bind the range; returns how many ports are listening. */
  async bind(min: number, max: number): Promise<number> {
    const lo = Math.max(1024, Math.min(min, max))
    const hi = Math.min(65535, Math.max(min, max), lo + MAX_PASSIVE_PORTS - 1)
    for (let declared = lo; declared <= hi; declared++) {
      try {
        const b = await this.ctx.listenTcp(declared, (socket, session) => this.#onData(declared, socket, session), { quiet: true, noDelay: true })
        this.#ports.set(declared, b.port)
      } catch (e) {
        this.ctx.log.warn(`ftp: passive port ${declared} not bound: ${(e as Error).message}`)
      }
    }
    return this.#ports.size
  }

  /** A free port for `ip` (random, like vsftpd within pasv_min/max_port), or undefined. */
  claim(ip: string): PassiveSlot | undefined {
    const free = [...this.#ports].filter(([declared]) => !this.#slots.has(`${declared}|${ip}`))
    if (free.length === 0) return undefined
    const [declared, port] = free[randomInt(free.length)] as [number, number]
    const slot = new PassiveSlot(this, declared, port, ip)
    this.#slots.set(`${declared}|${ip}`, slot)
    return slot
  }

  forget(slot: PassiveSlot): void {
    const key = `${slot.declared}|${slot.ip}`
    if (this.#slots.get(key) === slot) this.#slots.delete(key)
  }

  #onData(declared: number, socket: Socket, session: Session): void {
    const slot = this.#slots.get(`${declared}|${session.peer.ip}`)
    if (slot?.offer({ socket, session })) return
    // nobody of this address asked for this port: a bounce/hijack attempt or a port scan
    session.emit('data_connection_refused', { dst_port: session.localPort, reason: slot ? 'second_connection' : 'no_pasv_from_this_address' })
    session.close('unsolicited_data_connection')
  }
}
