// How many services may be starting at once. Starts are CPU-heavy (host keys,
// certificates); hundreds at once on two cores would all miss their start
// timeout, so they queue here and each timeout counts from its own turn.
export class StartGate {
  #free: number
  readonly #waiting: (() => void)[] = []

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`start gate size must be a positive integer, got ${size}`)
    this.#free = size
  }

  /** Resolves with the function that gives the slot back (call it once). */
  async acquire(): Promise<() => void> {
    if (this.#free > 0) this.#free--
    else await new Promise<void>((resolve) => this.#waiting.push(resolve))
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.#waiting.shift()
      if (next) next()
      else this.#free++
    }
  }

  get queued(): number {
    return this.#waiting.length
  }
}
