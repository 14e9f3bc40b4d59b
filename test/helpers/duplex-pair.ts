// Two in-memory stream ends joined back to back: what one writes the other
// reads, one 'data' chunk per write, so a test decides exactly how input is cut.
import { Duplex } from 'node:stream'

class End extends Duplex {
  peer: End | undefined
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.peer?.push(chunk)
    cb()
  }
  override _final(cb: (e?: Error | null) => void): void {
    this.peer?.push(null)
    cb()
  }
}

/** [client, server]: the server end is what a driver under test gets. */
export function duplexPair(): [Duplex, Duplex] {
  const a = new End()
  const b = new End()
  a.peer = b
  b.peer = a
  return [a, b]
}
