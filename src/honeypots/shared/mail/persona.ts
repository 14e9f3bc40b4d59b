// Who the mail server is, shared by pop3 and imap on one decky: the Dovecot
// build it claims, the mail domain, the bait account and the ids Dovecot shows
// (auth server pid, UIDVALIDITY). Drawn from ctx.deckyRng so both services of
// a decky agree; nothing here names the product that runs it.
import { randomBytes } from 'node:crypto'
import type { HoneypotContext } from '../../../runtime/context.js'
import { buildMailbox, type MailMessage } from './mailbox.js'

export interface MailAccount {
  /** Login name (Dovecot's system users: the local part). */
  user: string
  /** Full address; also accepted as the login name. */
  address: string
  password: string
  realName: string
}

export interface MailPersona {
  /** FQDN the server calls itself (APOP timestamp, message ids). */
  hostname: string
  domain: string
  /** Dovecot's login_greeting (Debian's package default). */
  greeting: string
  account: MailAccount
  /** pid of the auth process (APOP challenge), stable per decky like a long-running daemon. */
  authPid: number
  /** UIDVALIDITY of INBOX (a past epoch second, as Dovecot stamps it on creation). */
  uidValidity: number
  messages: MailMessage[]
}

const COMPANIES = [
  'northbridge', 'halvorsen', 'meridian-hq', 'castellan', 'brightwater', 'kestrel-group', 'olmstead', 'pinecrest',
  'vantage-lab', 'redfern', 'altamira', 'thornbury', 'bluepeak', 'larkspur', 'sterling-ops', 'harbourline',
] as const
const TLDS = ['com', 'net', 'io', 'co.uk', 'de', 'local', 'internal', 'lan'] as const
const FIRST = ['james', 'anna', 'michael', 'laura', 'david', 'sophie', 'peter', 'maria', 'thomas', 'julia', 'robert', 'emma', 'daniel', 'nina', 'mark', 'sarah'] as const
const LAST = ['miller', 'schmidt', 'walker', 'novak', 'jensen', 'baker', 'fischer', 'turner', 'kowalski', 'hughes', 'larsen', 'moreau', 'evans', 'weber', 'cole', 'brooks'] as const
const WORDS = ['Summer', 'Winter', 'Spring', 'Autumn', 'Welcome', 'Company', 'Monday', 'Friday', 'Sunshine', 'Dragon', 'Office', 'Secure'] as const
const SUFFIX = ['!', '#', '123', '!!', '@1', '$', '1!', ''] as const

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)

/** The mail domain: the hostname's parent when it has one, else a seeded company domain. */
function mailDomain(ctx: HoneypotContext, hostname: string): string {
  const h = hostname.toLowerCase()
  const dot = h.indexOf('.')
  if (dot > 0 && h.indexOf('.', dot + 1) > 0) return h.slice(dot + 1)
  const rng = ctx.deckyRng.fork('mail/domain')
  return `${rng.pick(COMPANIES)}.${rng.pick(TLDS)}`
}

export function mailPersona(ctx: HoneypotContext, now = Date.now()): MailPersona {
  const rng = ctx.deckyRng.fork('mail/persona')
  const short = ctx.decky.hostname.split('.')[0]?.toLowerCase() || 'mail'
  const domain = mailDomain(ctx, ctx.decky.hostname)
  const hostname = ctx.decky.hostname.includes('.') ? ctx.decky.hostname.toLowerCase() : `${short}.${domain}`
  const first = rng.pick(FIRST)
  const last = rng.pick(LAST)
  const style = rng.int(0, 2)
  const user = style === 0 ? `${first.charAt(0)}${last}` : style === 1 ? `${first}.${last}` : first
  const password = `${rng.pick(WORDS)}${rng.int(2019, 2025)}${rng.pick(SUFFIX)}`
  const account: MailAccount = { user, address: `${user}@${domain}`, password, realName: `${cap(first)} ${cap(last)}` }
  // created 1-3 years before today: anchored to the UTC day, so every connection (and a restart) sees the same value
  const today = Math.floor(now / 86_400_000) * 86_400
  const uidValidity = today - rng.int(365, 3 * 365) * 86_400 - rng.int(0, 86_399)
  return {
    hostname,
    domain,
    greeting: 'Dovecot (Debian) ready.',
    account,
    authPid: rng.int(600, 4000),
    uidValidity,
    messages: buildMailbox(ctx.deckyRng.fork('mail/messages'), { domain, hostname, account, now }),
  }
}

/** The login names that open the bait mailbox. */
export function isBaitLogin(p: MailPersona, user: string, password: string | Buffer): boolean {
  const u = user.toLowerCase()
  const pw = typeof password === 'string' ? password : password.toString('utf8')
  return (u === p.account.user || u === p.account.address) && pw === p.account.password
}

/**
 * Dovecot's APOP challenge (pop3-login get_apop_challenge):
 * <auth-pid hex>.<connect-uid hex>.<time hex>.<base64 of 16 random bytes>@<hostname>,
 * fresh per connection.
 */
export function apopChallenge(p: MailPersona, connectUid: number, now = Date.now()): string {
  const nonce = randomBytes(16).toString('base64')
  return `<${p.authPid.toString(16)}.${connectUid.toString(16)}.${Math.floor(now / 1000).toString(16)}.${nonce}@${p.hostname}>`
}
