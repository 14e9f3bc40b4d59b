// A raw text-protocol client for emulator tests (pop3, imap, smtp…): reads
// what the server sent until a condition holds, sends CRLF lines, and can let
// go of the socket before a STARTTLS wraps it.
import { connect, type Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'

/** Connect from `localAddress` (a loopback address other than the server's). */
export const openFrom = (host: string, port: number, localAddress: string): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const s = connect({ host, port, localAddress }, () => resolve(s))
    s.once('error', reject)
  })

export function textClient(sock: Socket | TLSSocket) {
  let buf = ''
  const waiting: (() => void)[] = []
  const onData = (d: Buffer) => {
    buf += d.toString('latin1')
    waiting.splice(0).forEach((w) => w())
  }
  sock.on('data', onData)
  sock.on('close', () => waiting.splice(0).forEach((w) => w()))
  /** Waits until `end(buf)` names where the wanted text ends; returns that text and keeps the rest. */
  const take = async (end: (b: string) => number | undefined): Promise<string> => {
    for (;;) {
      const at = end(buf)
      if (at !== undefined) {
        const out = buf.slice(0, at)
        buf = buf.slice(at)
        return out
      }
      if (sock.destroyed) throw new Error(`closed; got ${JSON.stringify(buf)}`)
      await new Promise<void>((r) => waiting.push(r))
    }
  }
  /** Everything received once `pred` holds for it. */
  const until = (pred: (b: string) => boolean) => take((b) => (pred(b) ? b.length : undefined))
  return {
    until,
    /** Everything received once a line end has come. */
    line: () => until((b) => b.includes('\r\n')),
    /** A POP3 multi-line answer (up to the "." line). */
    multi: () => until((b) => b.endsWith('\r\n.\r\n')),
    /** One whole SMTP reply (continuation lines, then "NNN text"). */
    reply: () => take((b) => {
      const m = /(^|\r\n)\d{3} [^\r\n]*\r\n/.exec(b)
      return m ? m.index + m[0].length : undefined
    }),
    send: (s: string | Buffer) => sock.write(typeof s === 'string' ? `${s}\r\n` : s),
    detach: () => sock.off('data', onData),
  }
}
