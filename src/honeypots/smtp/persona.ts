// Who the SMTP server claims to be: Postfix 3.7 as Debian 12 ships it, on the
// decky's mail host (the same host name and domain pop3/imap use), with the
// ids Postfix shows (short queue ids) and its Dovecot SASL backend's
// challenges. Seeded per decky; per-message values from crypto.
import { randomBytes, randomInt } from 'node:crypto'
import type { HoneypotContext } from '../../runtime/context.js'
import { mailPersona, type MailPersona } from '../shared/mail/persona.js'

/** Postfix's message_size_limit default (EHLO SIZE). */
export const POSTFIX_SIZE_LIMIT = 10_240_000
/** smtpd_recipient_limit. */
export const RECIPIENT_LIMIT = 1000
/** smtpd_hard_error_limit: the 20th error ends the session (421). */
export const HARD_ERROR_LIMIT = 20
/** smtpd_timeout (300 s): a client that has not logged in by then is closed. */
export const SMTPD_TIMEOUT_MS = 300_000
export const SMTPD_TIMEOUT_REASON = 'smtpd_timeout'
/** SASL mechanisms the Dovecot backend can speak here. */
export const SASL_MECHS = ['PLAIN', 'LOGIN', 'CRAM-MD5'] as const

export interface SmtpPersona {
  mail: MailPersona
  /** myhostname */
  hostname: string
  /** mydomain: recipients here (and at myhostname, localhost) are local. */
  domain: string
  /** The whole greeting line. */
  greeting: string
  /** Advertised SASL mechanisms, in order. */
  mechanisms: string[]
  /** Offer AUTH before STARTTLS (smtpd_tls_auth_only = no). */
  authBeforeTls: boolean
  sizeLimit: number
  /** The queue file inode numbers Postfix's short ids end with grow from here. */
  inodeBase: number
}

export function smtpPersona(ctx: HoneypotContext): SmtpPersona {
  const mail = mailPersona(ctx)
  const cfg = ctx.config
  const banner = typeof cfg.banner === 'string' && cfg.banner.trim() !== '' ? cfg.banner.trim() : undefined
  if (cfg.mta !== undefined && cfg.mta !== 'postfix') ctx.log.warn(`smtp: mta=${String(cfg.mta)} is not emulated; speaking Postfix`)
  const wanted = String(cfg.auth_mechanisms ?? 'PLAIN LOGIN').toUpperCase().split(/[\s,]+/).filter(Boolean)
  const mechanisms = wanted.filter((m, i) => (SASL_MECHS as readonly string[]).includes(m) && wanted.indexOf(m) === i)
  const size = Number(cfg.message_size_limit ?? POSTFIX_SIZE_LIMIT)
  return {
    mail,
    hostname: mail.hostname,
    domain: mail.domain,
    greeting: `220 ${banner ?? `${mail.hostname} ESMTP Postfix (Debian/GNU)`}`,
    mechanisms: mechanisms.length > 0 ? mechanisms : ['PLAIN', 'LOGIN'],
    authBeforeTls: cfg.auth_before_tls === true,
    sizeLimit: Number.isSafeInteger(size) && size > 0 ? size : POSTFIX_SIZE_LIMIT,
    inodeBase: ctx.rng.fork('smtp/inode').int(0x10000, 0x3fffff),
  }
}

/**
 * The EHLO reply of Postfix 3.7 (smtpd.c ehlo_cmd order): PIPELINING, SIZE,
 * VRFY, ETRN, STARTTLS, AUTH, ENHANCEDSTATUSCODES, 8BITMIME, DSN, SMTPUTF8,
 * CHUNKING. STARTTLS goes once TLS is on; AUTH shows when it is allowed.
 */
export function ehloLines(p: SmtpPersona, o: { tls: boolean; auth: boolean }): string {
  const ext = ['PIPELINING', `SIZE ${p.sizeLimit}`, 'VRFY', 'ETRN']
  if (!o.tls) ext.push('STARTTLS')
  if (o.auth) ext.push(`AUTH ${p.mechanisms.join(' ')}`)
  ext.push('ENHANCEDSTATUSCODES', '8BITMIME', 'DSN', 'SMTPUTF8', 'CHUNKING')
  return [p.hostname, ...ext].map((l, i, a) => `250${i === a.length - 1 ? ' ' : '-'}${l}\r\n`).join('')
}

/**
 * A Postfix short queue id (enable_long_queue_ids = no): the microseconds of
 * the queue file's creation time as 5 hex digits, then its inode number in
 * hex; upper case, 10-12 characters.
 */
export function queueId(p: SmtpPersona, now = process.hrtime.bigint()): string {
  const usec = Number((now / 1000n) % 1_000_000n)
  const inode = p.inodeBase + randomInt(0, 0xfffff)
  return `${usec.toString(16).toUpperCase().padStart(5, '0')}${inode.toString(16).toUpperCase()}`
}

/** Dovecot's CRAM-MD5 challenge (mech-cram-md5.c): <random.time@host>. */
export function cramChallenge(p: SmtpPersona, now = Date.now()): string {
  return `<${randomBytes(8).readBigUInt64BE().toString()}.${Math.floor(now / 1000)}@${p.hostname}>`
}
