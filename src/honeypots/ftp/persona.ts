// The reply texts of the daemon the persona names. vsftpd 3.0.x is the
// reference (strings from its source: prelogin.c, postlogin.c, features.c,
// ftpcmdio.c); ProFTPD 1.3.x and Pure-FTPd 1.0.x change what scanners and
// clients look at (greeting, USER/PASS, FEAT, the common replies) and keep
// vsftpd's texts elsewhere.
import type { HoneypotContext } from '../../runtime/context.js'

export type FtpServer = 'vsftpd' | 'proftpd' | 'pureftpd'

export interface FtpPersona {
  readonly server: FtpServer
  /** Product and version, for docs and events. */
  readonly product: string
  /** The greeting, one or more lines, codes included. */
  greeting(localIp: string, localPort: number): string[]
  userOk(name: string, anonymous: boolean): string
  loginOk(name: string, anonymous: boolean): string
  readonly loginFail: string
  /** Seconds slept before loginFail (vsftpd delay_failed_login). */
  readonly failDelayMs: number
  /** Failed logins before the connection is closed (vsftpd max_login_fails). */
  readonly maxLoginFails: number
  readonly passFirst: string
  readonly notLoggedIn: string
  unknown(verb: string): string
  readonly syst: string
  feat(ssl: boolean): string[]
  readonly help: string[]
  pwd(path: string): string
  readonly cwdOk: string
  cwdFail(path: string): string
  typeReply(arg: string): { reply: string; type?: 'A' | 'I' }
  readonly noop: string
  readonly quit: string[]
  pasv(h: string, port: number): string
  epsv(port: number): string
  readonly portOk: string
  readonly portBad: string
  readonly eprtOk: string
  readonly eprtBad: string
  readonly noData: string
  readonly dataFailed: string
  readonly listStart: string
  listEnd(count: number): string[]
  retrStart(name: string, size: number, binary: boolean): string
  readonly retrEnd: string
  readonly retrFail: string
  readonly storStart: string
  readonly storEnd: string
  denied(path: string): string
  readonly timeout: string
}

/** vsftpd 3.0.3 as Debian ships it, with anonymous_enable / ssl_enable from the persona. */
function vsftpd(version: string, banner: string | undefined): FtpPersona {
  return {
    server: 'vsftpd',
    product: `vsftpd ${version}`,
    greeting: () => [`220 ${banner ?? `(vsFTPd ${version})`}`],
    userOk: () => '331 Please specify the password.',
    loginOk: () => '230 Login successful.',
    loginFail: '530 Login incorrect.',
    failDelayMs: 1000,
    maxLoginFails: 3,
    passFirst: '503 Login with USER first.',
    notLoggedIn: '530 Please login with USER and PASS.',
    unknown: () => '500 Unknown command.',
    syst: '215 UNIX Type: L8',
    feat: (ssl) => [
      '211-Features:',
      ...(ssl ? [' AUTH TLS'] : []),
      ' EPRT', ' EPSV', ' MDTM', ' PASV',
      ...(ssl ? [' PBSZ', ' PROT'] : []),
      ' REST STREAM', ' SIZE', ' TVFS', ' UTF8',
      '211 End',
    ],
    help: [
      '214-The following commands are recognized.',
      ' ABOR ACCT ALLO APPE CDUP CWD  DELE EPRT EPSV FEAT HELP LIST MDTM MKD',
      ' MODE NLST NOOP OPTS PASS PASV PORT PWD  QUIT REIN REST RETR RMD  RNFR',
      ' RNTO SITE SIZE SMNT STAT STOR STOU STRU SYST TYPE USER XCUP XCWD XMKD',
      ' XPWD XRMD',
      '214 Help OK.',
    ],
    pwd: (p) => `257 "${p}" is the current directory`,
    cwdOk: '250 Directory successfully changed.',
    cwdFail: () => '550 Failed to change directory.',
    typeReply: (arg) => {
      const a = arg.toUpperCase()
      if (a === 'I' || a === 'L 8' || a === 'L8') return { reply: '200 Switching to Binary mode.', type: 'I' }
      if (a === 'A' || a === 'A N') return { reply: '200 Switching to ASCII mode.', type: 'A' }
      return { reply: '504 Bad TYPE command.' }
    },
    noop: '200 NOOP ok.',
    quit: ['221 Goodbye.'],
    pasv: (h, p) => `227 Entering Passive Mode (${h.replaceAll('.', ',')},${p >> 8},${p & 0xff}).`,
    epsv: (p) => `229 Entering Extended Passive Mode (|||${p}|)`,
    portOk: '200 PORT command successful. Consider using PASV.',
    portBad: '500 Illegal PORT command.',
    eprtOk: '200 EPRT command successful. Consider using EPSV.',
    eprtBad: '500 Bad EPRT command.',
    noData: '425 Use PORT or PASV first.',
    dataFailed: '425 Failed to establish connection.',
    listStart: '150 Here comes the directory listing.',
    listEnd: () => ['226 Directory send OK.'],
    retrStart: (n, size, bin) => `150 Opening ${bin ? 'BINARY' : 'ASCII'} mode data connection for ${n} (${size} bytes).`,
    retrEnd: '226 Transfer complete.',
    retrFail: '550 Failed to open file.',
    storStart: '150 Ok to send data.',
    storEnd: '226 Transfer complete.',
    denied: () => '550 Permission denied.',
    timeout: '421 Timeout.',
  }
}

/** ProFTPD 1.3.x (Debian's proftpd-basic: ServerName "Debian", ServerIdent on). */
function proftpd(version: string, banner: string | undefined): FtpPersona {
  const base = vsftpd('3.0.3', undefined)
  return {
    ...base,
    server: 'proftpd',
    product: `ProFTPD ${version}`,
    greeting: (ip) => [`220 ${banner ?? `ProFTPD ${version} Server (Debian) [::ffff:${ip}]`}`],
    userOk: (n, anon) => (anon ? '331 Anonymous login ok, send your complete email address as your password' : `331 Password required for ${n}`),
    loginOk: (n, anon) => (anon ? '230 Anonymous access granted, restrictions apply' : `230 User ${n} logged in`),
    failDelayMs: 0,
    maxLoginFails: 3,
    passFirst: '503 Login with USER first',
    notLoggedIn: '530 Please login with USER and PASS',
    unknown: (v) => `500 ${v.slice(0, 64)} not understood`,
    feat: () => [
      '211-Features:', ' LANG en-US*', ' MDTM', ' MFMT', ' TVFS', ' UTF8', ' MFF modify;UNIX.group;UNIX.mode;',
      ' MLST modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.groupname*;UNIX.mode*;UNIX.owner*;UNIX.ownername*;',
      ' REST STREAM', ' SIZE', '211 End',
    ],
    help: [
      '214-The following commands are recognized (* =>\'s unimplemented):',
      ' CWD     XCWD    CDUP    XCUP    SMNT*   QUIT    PORT    PASV    ',
      ' EPRT    EPSV    ALLO*   RNFR    RNTO    DELE    MDTM    RMD     ',
      ' XRMD    MKD     XMKD    PWD     XPWD    SIZE    SYST    HELP    ',
      ' NOOP    FEAT    OPTS    HOST    CLNT    AUTH*   CCC*    CONF*   ',
      ' ENC*    MIC*    PBSZ*   PROT*   TYPE    STRU    MODE    RETR    ',
      ' STOR    STOU    APPE    REST    ABOR    RANG    USER    PASS    ',
      ' ACCT*   REIN*   LIST    NLST    STAT    SITE    MLSD    MLST    ',
      '214 Direct comments to root@localhost',
    ],
    pwd: (p) => `257 "${p}" is the current directory`,
    cwdOk: '250 CWD command successful',
    cwdFail: (p) => `550 ${p}: No such file or directory`,
    typeReply: (arg) => {
      const a = arg.toUpperCase()
      if (a === 'I' || a === 'L 8') return { reply: '200 Type set to I', type: 'I' }
      if (a === 'A' || a === 'A N') return { reply: '200 Type set to A', type: 'A' }
      return { reply: `504 TYPE not implemented for '${arg.slice(0, 16)}' parameter` }
    },
    noop: '200 NOOP command successful',
    portOk: '200 PORT command successful',
    portBad: '500 Illegal PORT command',
    eprtOk: '200 EPRT command successful',
    eprtBad: '500 Illegal EPRT command',
    noData: '425 Unable to build data connection: No such file or directory',
    dataFailed: '425 Unable to build data connection: Connection refused',
    listStart: '150 Opening ASCII mode data connection for file list',
    listEnd: () => ['226 Transfer complete'],
    retrEnd: '226 Transfer complete',
    retrFail: '550 No such file or directory',
    storStart: '150 Opening BINARY mode data connection',
    storEnd: '226 Transfer complete',
    denied: (p) => `550 ${p}: Permission denied`,
    timeout: '421 Idle timeout (600 seconds): closing control connection',
  }
}

/** Pure-FTPd 1.0.x (Debian's pure-ftpd: privsep, TLS compiled in, 50 clients). */
function pureftpd(banner: string | undefined): FtpPersona {
  const base = vsftpd('3.0.3', undefined)
  return {
    ...base,
    server: 'pureftpd',
    product: 'Pure-FTPd',
    greeting: (_ip, port) => {
      if (banner) return [`220 ${banner}`]
      const now = new Date()
      const hhmm = `${String(now.getUTCHours()).padStart(2, '0')}:${String(now.getUTCMinutes()).padStart(2, '0')}`
      return [
        '220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------',
        '220-You are user number 1 of 50 allowed.',
        `220-Local time is now ${hhmm}. Server port: ${port}.`,
        '220-IPv6 connections are also welcome on this server.',
        '220 You will be disconnected after 15 minutes of inactivity.',
      ]
    },
    userOk: (n) => `331 User ${n} OK. Password required`,
    loginOk: (_n, anon) => (anon ? '230 Anonymous user logged in' : '230 OK. Current directory is /'),
    loginFail: '530 Login authentication failed',
    failDelayMs: 0,
    maxLoginFails: 5,
    passFirst: '530 You aren\'t logged in',
    notLoggedIn: '530 You aren\'t logged in',
    unknown: () => '500 Unknown command',
    feat: () => [
      '211-Extensions supported:', ' EPRT', ' IDLE', ' MDTM', ' SIZE', ' MFMT', ' REST STREAM',
      ' MLST type*;size*;sizd*;modify*;UNIX.mode*;UNIX.uid*;UNIX.gid*;unique*;', ' MLSD', ' PRET',
      ' AUTH TLS', ' PBSZ', ' PROT', ' UTF8', ' TVFS', ' ESTA', ' PASV', ' EPSV', ' ESTP', '211 End.',
    ],
    help: ['214-The following SITE commands are recognized', ' ALIAS', ' CHMOD', ' IDLE', ' UTIME', '214 Pure-FTPd - http://pureftpd.org/'],
    pwd: (p) => `257 "${p}" is your current location`,
    cwdOk: '250 OK. Current directory is /',
    cwdFail: (p) => `550 Can't change directory to ${p}: No such file or directory`,
    typeReply: (arg) => {
      const a = arg.toUpperCase()
      if (a === 'I' || a === 'L 8') return { reply: '200 TYPE is now 8-bit binary', type: 'I' }
      if (a === 'A' || a === 'A N') return { reply: '200 TYPE is now ASCII', type: 'A' }
      return { reply: '504 Unknown TYPE' }
    },
    noop: '200 Zzz...',
    quit: ['221-Goodbye. You uploaded 0 and downloaded 0 kbytes.', '221 Logout.'],
    pasv: (h, p) => `227 Entering Passive Mode (${h.replaceAll('.', ',')},${p >> 8},${p & 0xff})`,
    portOk: '200 PORT command successful',
    portBad: '501 Active mode is disabled',
    eprtOk: '200 PORT command successful',
    eprtBad: '501 Active mode is disabled',
    noData: '425 No data connection',
    dataFailed: '425 Could not open data connection to port',
    listStart: '150 Accepted data connection',
    listEnd: (n) => ['226-Options: -l', `226 ${n} matches total`],
    retrStart: () => '150 Accepted data connection',
    retrEnd: '226 File successfully transferred',
    retrFail: '550 Can\'t open file: No such file or directory',
    storStart: '150 Accepted data connection',
    storEnd: '226 File successfully transferred',
    denied: () => '553 Can\'t open that file: Permission denied',
    timeout: '421 Timeout - try typing a little faster next time',
  }
}

export function ftpPersona(ctx: HoneypotContext): FtpPersona {
  const server = String(ctx.config.server ?? 'vsftpd') as FtpServer
  const rawBanner = ctx.config.banner === undefined ? undefined : String(ctx.config.banner)
  // a greeting is one line of printable text (no CR/LF smuggled into the wire)
  const banner = rawBanner?.replace(/^220[ -]/, '').replace(/[^\x20-\x7e]/g, '').slice(0, 200) || undefined
  const version = ctx.config.version === undefined ? undefined : String(ctx.config.version).replace(/[^\w.+-]/g, '').slice(0, 32) || undefined
  if (server === 'proftpd') return proftpd(version ?? '1.3.7a', banner)
  if (server === 'pureftpd') return pureftpd(banner)
  return vsftpd(version ?? '3.0.3', banner)
}
