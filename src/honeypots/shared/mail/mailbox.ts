// The bait mailbox: a handful of plausible messages per decky (internal
// notices that leak a credential or a host), with From/To/Subject/Date built
// from the decky's domain. Deterministic per decky; dates are anchored to the
// current week so they look recent and stay put between restarts.
import type { SeededRng } from '../../../runtime/rng.js'
import type { MailAccount } from './persona.js'

export interface Address {
  name: string
  mailbox: string
  host: string
}

export interface MailMessage {
  uid: number
  /** Initial flags (\Seen …); sessions keep their own copy. */
  flags: readonly string[]
  /** The RFC 5322 message, CRLF line ends. */
  raw: Buffer
  /** Header block including the blank line that ends it. */
  header: Buffer
  /** Body after the blank line. */
  body: Buffer
  date: Date
  subject: string
  from: Address
  to: Address
  messageId: string
}

interface Template {
  from: [name: string, local: string]
  subject: string
  seen: boolean
  body(v: Vars): string
}

interface Vars {
  domain: string
  short: string
  first: string
  rng: SeededRng
}

const pw = (rng: SeededRng) => `${rng.pick(['Tr0ub4dor', 'Blu3Sky', 'N0rthW1nd', 'C0ffee', 'Kr4ken', 'Gr4nite'])}${rng.int(10, 99)}${rng.pick(['!', '#', '$', '%'])}`
const ip = (rng: SeededRng) => `10.${rng.int(0, 40)}.${rng.int(0, 254)}.${rng.int(2, 250)}`

const TEMPLATES: readonly Template[] = [
  {
    from: ['IT Service Desk', 'servicedesk'], subject: 'Your VPN account is ready', seen: true,
    body: (v) => `Hi ${v.first},\r\n\r\nyour VPN access has been set up.\r\n\r\n  Gateway:  vpn.${v.domain}\r\n  Username: ${v.first}\r\n  Password: ${pw(v.rng)}\r\n\r\nPlease change the password at first login.\r\n\r\nRegards,\r\nIT Service Desk\r\n`,
  },
  {
    from: ['Monitoring', 'nagios'], subject: `** PROBLEM Service Alert: db01/MySQL is CRITICAL **`, seen: true,
    body: (v) => `***** Nagios *****\r\n\r\nNotification Type: PROBLEM\r\n\r\nService: MySQL\r\nHost: db01\r\nAddress: ${ip(v.rng)}\r\nState: CRITICAL\r\n\r\nAdditional Info:\r\n\r\nCRITICAL - Can't connect to MySQL server (111)\r\n`,
  },
  {
    from: ['Backup', 'backup'], subject: 'Backup job finished with warnings', seen: true,
    body: (v) => `Job "nightly-${v.short}" finished with 2 warnings.\r\n\r\nTarget: //${ip(v.rng)}/backup\r\nAccount: svc_backup / ${pw(v.rng)}\r\n\r\nWarning: 2 files were skipped (in use).\r\n`,
  },
  {
    from: ['Payroll', 'hr'], subject: 'Updated holiday calendar', seen: false,
    body: (v) => `Dear all,\r\n\r\nplease find the updated holiday calendar on the intranet:\r\nhttps://intranet.${v.domain}/hr/holidays\r\n\r\nKind regards,\r\nHR\r\n`,
  },
  {
    from: ['DevOps', 'devops'], subject: 'New database credentials for staging', seen: false,
    body: (v) => `Hi,\r\n\r\nthe staging database was migrated. New connection string:\r\n\r\n  postgres://app_staging:${pw(v.rng)}@${ip(v.rng)}:5432/app\r\n\r\nThe old credentials stop working on Friday.\r\n\r\n-- \r\nDevOps\r\n`,
  },
  {
    from: ['Facility Management', 'facility'], subject: 'Parking garage closed on Saturday', seen: true,
    body: () => `Hello,\r\n\r\ndue to maintenance the parking garage is closed this Saturday.\r\n\r\nThank you for your understanding.\r\n`,
  },
]

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const
const WEEK_MS = 7 * 86_400_000

const p2 = (n: number) => String(n).padStart(2, '0')

/** RFC 5322 date in the given offset (minutes east of UTC). */
export function rfc5322Date(d: Date, offsetMin = 0): string {
  const l = new Date(d.getTime() + offsetMin * 60_000)
  const sign = offsetMin < 0 ? '-' : '+'
  const a = Math.abs(offsetMin)
  return `${DAYS[l.getUTCDay()]}, ${l.getUTCDate()} ${MONTHS[l.getUTCMonth()]} ${l.getUTCFullYear()} ${p2(l.getUTCHours())}:${p2(l.getUTCMinutes())}:${p2(l.getUTCSeconds())} ${sign}${p2(Math.floor(a / 60))}${p2(a % 60)}`
}

/** IMAP date-time: "17-Jul-1996 02:44:25 -0700". */
export function imapDate(d: Date, offsetMin = 0): string {
  const l = new Date(d.getTime() + offsetMin * 60_000)
  const sign = offsetMin < 0 ? '-' : '+'
  const a = Math.abs(offsetMin)
  return `${p2(l.getUTCDate())}-${MONTHS[l.getUTCMonth()]}-${l.getUTCFullYear()} ${p2(l.getUTCHours())}:${p2(l.getUTCMinutes())}:${p2(l.getUTCSeconds())} ${sign}${p2(Math.floor(a / 60))}${p2(a % 60)}`
}

export function buildMailbox(rng: SeededRng, o: { domain: string; hostname: string; account: MailAccount; now: number }): MailMessage[] {
  const anchor = Math.floor(o.now / WEEK_MS) * WEEK_MS
  const chosen = rng.shuffle(TEMPLATES).slice(0, rng.int(4, TEMPLATES.length))
  // oldest first, spread over the three weeks before the anchor, office hours
  const offsets = chosen.map(() => rng.int(1, 20) * 86_400_000 + rng.int(7 * 3600, 17 * 3600) * 1000).sort((a, b) => b - a)
  const short = o.hostname.split('.')[0] ?? 'mail'
  const first = o.account.realName.split(' ')[0] ?? o.account.user
  const to: Address = { name: o.account.realName, mailbox: o.account.user, host: o.domain }
  return chosen.map((t, i) => {
    const date = new Date(anchor - (offsets[i] as number))
    const from: Address = { name: t.from[0], mailbox: t.from[1], host: o.domain }
    const stamp = date.toISOString().replace(/[-:T]/g, '').slice(0, 14)
    const messageId = `<${stamp}.${rng.hex(6).toUpperCase()}@${o.hostname}>`
    const body = t.body({ domain: o.domain, short, first, rng: rng.fork(`body/${i}`) })
    const header =
      `Return-Path: <${from.mailbox}@${from.host}>\r\n` +
      `Delivered-To: ${to.mailbox}@${to.host}\r\n` +
      `Message-ID: ${messageId}\r\n` +
      `Date: ${rfc5322Date(date)}\r\n` +
      `From: ${from.name} <${from.mailbox}@${from.host}>\r\n` +
      `To: ${to.name} <${to.mailbox}@${to.host}>\r\n` +
      `Subject: ${t.subject}\r\n` +
      'MIME-Version: 1.0\r\n' +
      'Content-Type: text/plain; charset=UTF-8\r\n' +
      'Content-Transfer-Encoding: 8bit\r\n\r\n'
    const h = Buffer.from(header)
    const b = Buffer.from(body)
    return { uid: i + 1, flags: t.seen ? ['\\Seen'] : [], raw: Buffer.concat([h, b]), header: h, body: b, date, subject: t.subject, from, to, messageId }
  })
}
