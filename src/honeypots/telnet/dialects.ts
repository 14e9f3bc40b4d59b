// What the telnet daemon and login program of each persona say, byte for
// byte: the option negotiation they open with, the issue text, the prompts,
// the failure and timeout messages, the failure delay and the try limit.
//
//   linux   netkit telnetd + login(1) (Debian, Ubuntu, RHEL, Kali, Arch): DO
//           TERMINAL-TYPE, TSPEED, XDISPLOC, NEW-ENVIRON, then (once answered)
//           the SB … SEND requests, WILL SGA, DO ECHO, DO NAWS, WILL STATUS,
//           DO LFLOW, WILL ECHO; then /etc/issue.net and `<host> login: `.
//           nmap names the opening "Linux telnetd".
//   busybox busybox telnetd + busybox login (embedded, Alpine): DO ECHO, DO
//           NAWS, WILL ECHO, WILL SGA; ignores the client's answers.
//   cisco   IOS vty with `login local`: WILL ECHO, WILL SGA, DO TTYPE, DO
//           NAWS, `User Access Verification`, `Username: `.
import type { DistroPersona } from '../shared/shell/distro.js'
import { OPT, WILL, DO } from './iac.js'

export type DialectName = 'linux' | 'busybox' | 'cisco'

export interface Dialect {
  name: DialectName
  /** Options sent on accept, in order: [WILL|DO, option]. */
  opening: readonly (readonly [number, number])[]
  /** The DOs of the opening whose answers the daemon waits for (netkit's getterminaltype). */
  awaitAnswers: readonly number[]
  /** Answer the client's negotiation (busybox does not). */
  answers: boolean
  /** Text before the first prompt (issue, banner). */
  banner: string
  userPrompt: string
  passPrompt: string
  /** Printed after a failed attempt, before the next prompt (or the close). */
  failure: string
  timeoutMessage: string
  /** Failure delay: base ± spread (pam_faildelay's 3 s is randomised by PAM). */
  failDelayMs: number
  failSpreadMs: number
  maxTries: number
  loginTimeoutMs: number
  /** method field of auth_attempt */
  method: string
}

const NETKIT_OPENING = [[DO, OPT.TTYPE], [DO, OPT.TSPEED], [DO, OPT.XDISPLOC], [DO, OPT.NEW_ENVIRON]] as const
const BUSYBOX_OPENING = [[DO, OPT.ECHO], [DO, OPT.NAWS], [WILL, OPT.ECHO], [WILL, OPT.SGA]] as const
const IOS_OPENING = [[WILL, OPT.ECHO], [WILL, OPT.SGA], [DO, OPT.TTYPE], [DO, OPT.NAWS]] as const

/** /etc/issue.net of the distro, as netkit telnetd prints it (escapes expanded). */
export function issueNet(d: DistroPersona): string {
  switch (d.slug) {
    case 'debian':
    case 'kali':
      return d.prettyName.replace(/ \([^)]*\)$/, '')
    case 'ubuntu22':
    case 'ubuntu20':
      return d.prettyName
    case 'rocky9':
    case 'centos7':
    case 'fedora':
      // \S\nKernel \r on an \m
      return `${d.prettyName}\nKernel ${d.kernel} on an x86_64`
    case 'arch':
      return `Arch Linux ${d.kernel} (pts/0)`
    case 'alpine':
      return `Welcome to Alpine Linux ${d.prettyName.replace(/^Alpine Linux v/, '')}\nKernel ${d.kernel} on an x86_64 (/dev/pts/0)`
    default:
      return d.prettyName
  }
}

/** Which dialect a decky speaks: its OS family first, then its distro. */
export function pickDialect(osFamily: string, distro: DistroPersona): DialectName {
  if (osFamily === 'cisco') return 'cisco'
  if (osFamily === 'embedded' || distro.slug === 'alpine') return 'busybox'
  return 'linux'
}

export function dialect(name: DialectName, host: string, distro: DistroPersona): Dialect {
  const short = host.split('.')[0] ?? host
  switch (name) {
    case 'linux':
      return {
        name,
        opening: NETKIT_OPENING,
        awaitAnswers: [OPT.TTYPE, OPT.TSPEED, OPT.XDISPLOC, OPT.NEW_ENVIRON],
        answers: true,
        banner: `\r\n${issueNet(distro).replace(/\n/g, '\r\n')}\r\n`,
        userPrompt: `${short} login: `,
        passPrompt: 'Password: ',
        failure: '\r\nLogin incorrect\r\n',
        timeoutMessage: '\r\nLogin timed out after 60 seconds.\r\n',
        failDelayMs: 3000,
        failSpreadMs: 750,
        maxTries: 3,
        loginTimeoutMs: 60_000,
        method: 'login',
      }
    case 'busybox':
      return {
        name,
        opening: BUSYBOX_OPENING,
        awaitAnswers: [],
        answers: false,
        banner: distro.slug === 'alpine' ? `\r\r\n${issueNet(distro).replace(/\n/g, '\r\n')}\r\n\r\n` : '\r\r\n',
        userPrompt: `${short} login: `,
        passPrompt: 'Password: ',
        failure: '\r\nLogin incorrect\r\n',
        timeoutMessage: '\r\nLogin timed out after 60 seconds\r\n',
        failDelayMs: 3000,
        failSpreadMs: 0,
        maxTries: 3,
        loginTimeoutMs: 60_000,
        method: 'login',
      }
    case 'cisco':
      return {
        name,
        opening: IOS_OPENING,
        awaitAnswers: [],
        answers: true,
        banner: '\r\n\r\nUser Access Verification\r\n\r\n',
        userPrompt: 'Username: ',
        passPrompt: 'Password: ',
        failure: '\r\n% Authentication failed\r\n\r\n',
        timeoutMessage: '\r\n% Username:  timeout expired!\r\n',
        failDelayMs: 0,
        failSpreadMs: 0,
        maxTries: 3,
        loginTimeoutMs: 30_000,
        method: 'vty',
      }
  }
}
