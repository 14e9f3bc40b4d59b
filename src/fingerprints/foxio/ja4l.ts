// JA4L — light distance (latency) from the TCP three-way handshake. Part of
// JA4+, (c) FoxIO, LLC, under the FoxIO License 1.1 (see ./LICENSE).
// Spec: github.com/FoxIO-LLC/ja4/blob/main/technical_details/JA4L.md
//   A = SYN seen, B = SYN-ACK seen, C = the client's ACK seen (µs)
//   JA4L-C = ⌊(C − B) / 2⌋ "_" client TTL   (how far the client is from the capture point)
//   JA4L-S = ⌊(B − A) / 2⌋ "_" server TTL   (how far the server is from the capture point)

export interface HandshakeTimes {
  synUs: number | undefined
  synTtl: number | undefined
  synAckUs: number | undefined
  synAckTtl: number | undefined
  ackUs: number | undefined
}

/** Event fields: `ja4l` = JA4L-C (the client's distance), `ja4ls` = JA4L-S (the server's). */
export interface Ja4l {
  ja4l?: string
  ja4ls?: string
}

const half = (a: number, b: number): number => Math.floor(Math.max(0, b - a) / 2)

export function ja4l(t: HandshakeTimes): Ja4l {
  const out: Ja4l = {}
  if (t.synAckUs !== undefined && t.ackUs !== undefined && t.synTtl !== undefined) {
    out.ja4l = `${half(t.synAckUs, t.ackUs)}_${t.synTtl}`
  }
  if (t.synUs !== undefined && t.synAckUs !== undefined && t.synAckTtl !== undefined) {
    out.ja4ls = `${half(t.synUs, t.synAckUs)}_${t.synAckTtl}`
  }
  return out
}
