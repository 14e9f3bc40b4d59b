// One byte budget for everything an attacker can make a process buffer
// (uploads over smb, sftp, scp, exec stdin). Buffers reserve before they grow;
// when the budget is spent the session asking for more is refused with its
// protocol's own error and everyone else goes on. Reservations go back when
// the file or session closes.
//
// The runtime hands every service of a process the same budget: the
// module-level `processMemoryBudget()` (1 GiB unless DECNET_MEMORY_BUDGET_MB or
// `configureProcessMemoryBudget` say otherwise).

export const DEFAULT_MEMORY_BUDGET_BYTES = 1024 * 1024 * 1024

/** Something bytes can be reserved from: the budget itself or a lease of it. */
export interface MemoryAccount {
  /** Reserves n bytes; false (and nothing reserved) when this account or one above it is spent. */
  reserve(n: number): boolean
  /** Gives back n bytes reserved earlier. */
  release(n: number): void
}

/** Why a reservation failed, for `resource_refused`. */
export interface MemoryRefusal {
  requested: number
  /** Bytes reserved process-wide when it was refused. */
  reserved: number
  /** The process-wide limit. */
  limit: number
  /** Which limit said no: the process budget or a per-session sub-limit. */
  scope: 'process' | 'session'
}

export class MemoryBudget implements MemoryAccount {
  #reserved = 0
  #peak = 0
  #refusals = 0
  constructor(public limit: number = DEFAULT_MEMORY_BUDGET_BYTES) {
    if (!(limit >= 0)) throw new RangeError(`memory budget: bad limit ${limit}`)
  }
  get reserved(): number {
    return this.#reserved
  }
  get available(): number {
    return Math.max(0, this.limit - this.#reserved)
  }
  /** Highest reservation seen (diagnostics, tests). */
  get peak(): number {
    return this.#peak
  }
  get refusals(): number {
    return this.#refusals
  }
  reserve(n: number): boolean {
    if (!(n >= 0) || !Number.isFinite(n)) return false
    if (this.#reserved + n > this.limit) {
      this.#refusals++
      return false
    }
    this.#reserved += n
    if (this.#reserved > this.#peak) this.#peak = this.#reserved
    return true
  }
  release(n: number): void {
    this.#reserved = Math.max(0, this.#reserved - Math.max(0, n))
  }
  /** A sub-account (one session, one file) with an optional limit of its own. */
  lease(maxBytes = Infinity): MemoryLease {
    return new MemoryLease(this, this, maxBytes)
  }
}

/**
 * Bytes held by one owner (a session, an open file), taken from a parent
 * account. close() gives everything back and makes later reserves fail.
 */
export class MemoryLease implements MemoryAccount {
  #held = 0
  #closed = false
  /** Set by the last failed reserve. */
  lastRefusal: MemoryRefusal | undefined
  constructor(
    readonly budget: MemoryBudget,
    private readonly parent: MemoryAccount,
    readonly maxBytes = Infinity,
  ) {}
  get held(): number {
    return this.#held
  }
  get closed(): boolean {
    return this.#closed
  }
  reserve(n: number): boolean {
    if (this.#closed || !(n >= 0) || !Number.isFinite(n)) return false
    if (this.#held + n > this.maxBytes) {
      this.lastRefusal = { requested: n, reserved: this.budget.reserved, limit: this.budget.limit, scope: 'session' }
      return false
    }
    if (!this.parent.reserve(n)) {
      const above = this.parent instanceof MemoryLease ? this.parent.lastRefusal : undefined
      this.lastRefusal = { requested: n, reserved: this.budget.reserved, limit: this.budget.limit, scope: above?.scope ?? 'process' }
      return false
    }
    this.#held += n
    return true
  }
  release(n: number): void {
    const k = Math.min(this.#held, Math.max(0, n))
    this.#held -= k
    this.parent.release(k)
  }
  /** A lease of this lease (one file of a session). */
  lease(maxBytes = Infinity): MemoryLease {
    return new MemoryLease(this.budget, this, maxBytes)
  }
  /** Gives back everything still held; idempotent. */
  close(): void {
    if (this.#closed) return
    this.release(this.#held)
    this.#closed = true
  }
}

/** Event fields of a refusal: `resource_refused` { resource, what, requested, reserved, limit, scope }. */
export function refusalFields(what: string, r: MemoryRefusal | undefined): Record<string, string | number> {
  return {
    resource: 'memory',
    what,
    requested: r?.requested ?? 0,
    reserved: r?.reserved ?? 0,
    limit: r?.limit ?? 0,
    scope: r?.scope ?? 'process',
  }
}

function limitFromEnv(): number {
  const mb = Number(process.env.DECNET_MEMORY_BUDGET_MB)
  return Number.isFinite(mb) && mb > 0 ? Math.floor(mb * 1024 * 1024) : DEFAULT_MEMORY_BUDGET_BYTES
}

let processBudget: MemoryBudget | undefined

/** The budget every service of this process shares. */
export function processMemoryBudget(): MemoryBudget {
  return (processBudget ??= new MemoryBudget(limitFromEnv()))
}

/** Sets the process budget's limit (the runner at start; tests). Reservations already held stay. */
export function configureProcessMemoryBudget(limitBytes: number): MemoryBudget {
  const b = processMemoryBudget()
  if (!(limitBytes >= 0)) throw new RangeError(`memory budget: bad limit ${limitBytes}`)
  b.limit = limitBytes
  return b
}
