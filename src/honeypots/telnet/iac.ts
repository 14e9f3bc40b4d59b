// The telnet wire (RFC 854/855): a bounded IAC parser and the option state of
// one connection. The parser splits client bytes into NVT data, option
// commands (WILL/WONT/DO/DONT), control functions (IP, EC, EL, AYT…) and
// subnegotiations; a subnegotiation keeps at most `maxSubnegotiation` bytes
// (the rest is dropped and the result marked truncated), so an unterminated
// IAC SB costs no memory however long it runs.

export const IAC = 255
export const DONT = 254
export const DO = 253
export const WONT = 252
export const WILL = 251
export const SB = 250
export const GA = 249
export const EL = 248
export const EC = 247
export const AYT = 246
export const AO = 245
export const IP = 244
export const BRK = 243
export const DM = 242
export const NOP = 241
export const SE = 240

export const OPT = Object.freeze({
  BINARY: 0,
  ECHO: 1,
  SGA: 3,
  STATUS: 5,
  TM: 6,
  TTYPE: 24,
  NAWS: 31,
  TSPEED: 32,
  LFLOW: 33,
  LINEMODE: 34,
  XDISPLOC: 35,
  OLD_ENVIRON: 36,
  NEW_ENVIRON: 39,
})

/** Subnegotiation qualifiers (RFC 1091, 1079, 1096, 1572). */
export const QUAL_IS = 0
export const QUAL_SEND = 1
export const QUAL_INFO = 2

const OPT_NAMES: Record<number, string> = {
  0: 'BINARY', 1: 'ECHO', 3: 'SGA', 5: 'STATUS', 6: 'TIMING-MARK', 24: 'TERMINAL-TYPE', 31: 'NAWS', 32: 'TSPEED',
  33: 'LFLOW', 34: 'LINEMODE', 35: 'XDISPLOC', 36: 'OLD-ENVIRON', 37: 'AUTHENTICATION', 38: 'ENCRYPT', 39: 'NEW-ENVIRON',
}

export const optionName = (o: number): string => OPT_NAMES[o] ?? String(o)

export const cmd = (verb: number, opt: number): Buffer => Buffer.from([IAC, verb, opt])
export const sbSend = (opt: number): Buffer => Buffer.from([IAC, SB, opt, QUAL_SEND, IAC, SE])

export interface TelnetHandlers {
  /** NVT data (IAC IAC undoubled, the NUL of CR NUL dropped). */
  data(b: Buffer): void
  /** WILL / WONT / DO / DONT `opt`. */
  option(verb: number, opt: number): void
  /** IP, EC, EL, AYT, AO, BRK, GA, NOP, DM. */
  control(code: number): void
  /** IAC SB opt … IAC SE; `truncated` when more than the cap arrived. */
  subnegotiation(opt: number, data: Buffer, truncated: boolean): void
}

const enum St {
  Data,
  Iac,
  Opt,
  SbOpt,
  Sb,
  SbIac,
}

export class TelnetParser {
  #st = St.Data
  #verb = 0
  #sbOpt = 0
  #sb: Buffer
  #sbLen = 0
  #sbTruncated = false
  #lastCR = false

  constructor(
    readonly h: TelnetHandlers,
    readonly maxSubnegotiation = 512,
  ) {
    this.#sb = Buffer.alloc(maxSubnegotiation)
  }

  /** True while inside IAC SB … (waiting for IAC SE). */
  get inSubnegotiation(): boolean {
    return this.#st === St.Sb || this.#st === St.SbIac || this.#st === St.SbOpt
  }

  feed(chunk: Buffer): void {
    const out = Buffer.allocUnsafe(chunk.length)
    let n = 0
    const flush = () => {
      if (n > 0) this.h.data(Buffer.from(out.subarray(0, n)))
      n = 0
    }
    for (const b of chunk) {
      switch (this.#st) {
        case St.Data:
          if (b === IAC) {
            this.#st = St.Iac
            this.#lastCR = false
            continue
          }
          // CR NUL is a bare CR on the NVT (RFC 854)
          if (b === 0 && this.#lastCR) {
            this.#lastCR = false
            continue
          }
          this.#lastCR = b === 0x0d
          out[n++] = b
          continue
        case St.Iac:
          if (b === IAC) {
            out[n++] = IAC
            this.#st = St.Data
          } else if (b === WILL || b === WONT || b === DO || b === DONT) {
            this.#verb = b
            this.#st = St.Opt
          } else if (b === SB) {
            this.#st = St.SbOpt
          } else {
            // SE outside SB, GA, NOP, DM, IP, …: in order with the data around them
            this.#st = St.Data
            flush()
            this.h.control(b)
          }
          continue
        case St.Opt:
          this.#st = St.Data
          flush()
          this.h.option(this.#verb, b)
          continue
        case St.SbOpt:
          this.#sbOpt = b
          this.#sbLen = 0
          this.#sbTruncated = false
          this.#st = St.Sb
          continue
        case St.Sb:
          if (b === IAC) this.#st = St.SbIac
          else this.#sbByte(b)
          continue
        case St.SbIac:
          if (b === IAC) {
            this.#sbByte(IAC)
            this.#st = St.Sb
          } else if (b === SE) {
            this.#st = St.Data
            flush()
            this.#endSb()
          } else {
            // a command inside SB: the subnegotiation ended without SE (RFC 855 leaves it open); take what came and read the command
            flush()
            this.#endSb()
            this.#st = St.Iac
            this.#reIac(b)
          }
          continue
      }
    }
    flush()
  }

  #reIac(b: number): void {
    // re-run one byte in the Iac state (never recursive beyond one level)
    this.feed(Buffer.from([b]))
  }

  #sbByte(b: number): void {
    if (this.#sbLen < this.#sb.length) this.#sb[this.#sbLen++] = b
    else this.#sbTruncated = true
  }

  #endSb(): void {
    this.h.subnegotiation(this.#sbOpt, Buffer.from(this.#sb.subarray(0, this.#sbLen)), this.#sbTruncated)
  }
}

/** Doubles 0xFF for the wire (data sent on a telnet connection). */
export function escapeIac(b: Buffer): Buffer {
  if (!b.includes(IAC)) return b
  const out: number[] = []
  for (const x of b) {
    out.push(x)
    if (x === IAC) out.push(IAC)
  }
  return Buffer.from(out)
}

/** NEW-ENVIRON / OLD-ENVIRON IS|INFO payload (after the qualifier) → [name, value] pairs (RFC 1572). */
export function parseEnviron(data: Buffer, maxPairs = 32): { kind: string; name: string; value: string }[] {
  const VAR = 0
  const VALUE = 1
  const ESC = 2
  const USERVAR = 3
  const pairs: { kind: string; name: string; value: string }[] = []
  let cur: { kind: string; name: number[]; value: number[] | undefined } | undefined
  const push = () => {
    if (cur && pairs.length < maxPairs) {
      pairs.push({ kind: cur.kind, name: Buffer.from(cur.name).toString('latin1'), value: cur.value ? Buffer.from(cur.value).toString('latin1') : '' })
    }
  }
  for (let i = 0; i < data.length; i++) {
    let b = data[i] as number
    if (b === VAR || b === USERVAR) {
      push()
      cur = { kind: b === VAR ? 'VAR' : 'USERVAR', name: [], value: undefined }
      continue
    }
    if (b === VALUE) {
      if (cur) cur.value = []
      continue
    }
    if (b === ESC && i + 1 < data.length) b = data[++i] as number
    if (!cur) continue
    if (cur.value) cur.value.push(b)
    else cur.name.push(b)
  }
  push()
  return pairs
}

/**
 * One side's option state, RFC 1143-lite: what we asked for and what the peer
 * agreed to. Answers to the peer's requests are capped per connection, so a
 * negotiation flood gets at most `maxReplies` answers.
 */
export class OptionState {
  readonly us = new Map<number, boolean>()
  readonly him = new Map<number, boolean>()
  readonly #askedUs = new Set<number>()
  readonly #askedHim = new Set<number>()
  #replies = 0

  constructor(
    /** Options we will enable on our side when asked (DO x → WILL x). */
    readonly willUs: ReadonlySet<number>,
    /** Options we let the peer enable (WILL x → DO x). */
    readonly letHim: ReadonlySet<number>,
    readonly send: (b: Buffer) => void,
    /** false: never answer the peer (busybox telnetd). */
    readonly answers = true,
    readonly maxReplies = 64,
  ) {}

  askDo(opt: number): Buffer {
    this.#askedHim.add(opt)
    return cmd(DO, opt)
  }

  askWill(opt: number): Buffer {
    this.#askedUs.add(opt)
    return cmd(WILL, opt)
  }

  /** The peer has answered our DO/DONT for opt. */
  answered(opt: number): boolean {
    return this.him.has(opt) && !this.#askedHim.has(opt)
  }

  /** Our side has opt on, or asked for it and got no refusal yet. */
  ours(opt: number): boolean {
    return this.us.get(opt) === true || (this.#askedUs.has(opt) && !this.us.has(opt))
  }

  #reply(verb: number, opt: number): void {
    if (!this.answers || this.#replies >= this.maxReplies) return
    this.#replies++
    this.send(cmd(verb, opt))
  }

  /** The peer's WILL/WONT/DO/DONT. */
  onOption(verb: number, opt: number): void {
    switch (verb) {
      case WILL:
        if (this.#askedHim.delete(opt)) {
          const ok = this.letHim.has(opt)
          this.him.set(opt, ok)
          if (!ok) this.#reply(DONT, opt)
        } else if (this.him.get(opt) !== true) {
          const ok = this.letHim.has(opt)
          this.him.set(opt, ok)
          this.#reply(ok ? DO : DONT, opt)
        }
        return
      case WONT:
        if (this.#askedHim.delete(opt)) this.him.set(opt, false)
        else if (this.him.get(opt) === true) {
          this.him.set(opt, false)
          this.#reply(DONT, opt)
        } else this.him.set(opt, false)
        return
      case DO:
        if (this.#askedUs.delete(opt)) this.us.set(opt, true)
        else if (this.us.get(opt) !== true) {
          const ok = this.willUs.has(opt)
          if (this.us.get(opt) === false && !ok) return
          this.us.set(opt, ok)
          this.#reply(ok ? WILL : WONT, opt)
        }
        return
      case DONT:
        if (this.#askedUs.delete(opt)) this.us.set(opt, false)
        else if (this.us.get(opt) === true) {
          this.us.set(opt, false)
          this.#reply(WONT, opt)
        } else this.us.set(opt, false)
        return
    }
  }
}
