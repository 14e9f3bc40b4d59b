// Per-decky TLS certificates for emulators that speak TLS (https, rdp, ldaps,
// imaps, ...). One call:
//
//   const { key, cert } = await deckyCertificate(ctx, { cn: 'mail.corp.local' })
//
// - The RSA-2048 key is generated once with node:crypto and kept in the
//   service's state dir (`tls-key.pem`, mode 600): stable across restarts,
//   different for every decky, service and install.
// - The certificate is rebuilt from that key on each start and is identical
//   every time: subject = issuer = CN=<cn> (Debian's ssl-cert "snakeoil"
//   style), SAN DNS:<cn> (+ sans), serial and validity drawn from the decky's
//   seeded RNG, sha256WithRSAEncryption. PKCS#1 v1.5 signatures are
//   deterministic, so the bytes never change for a decky.
// - `profile: 'windows-rdp'` instead makes the certificate Windows' Remote
//   Desktop service generates for itself: subject = issuer = CN=<cn>, random
//   16-byte serial, valid 6 calendar months from its last (re)generation (a
//   seeded phase in a 180-day renewal cycle, so stable until the next
//   "renewal"), only the extensions EKU serverAuth + KeyUsage keyEncipherment,
//   dataEncipherment (no SAN, SKI/AKI or basicConstraints).
import { generateKeyPair } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { join } from 'node:path'
import forge from 'node-forge'
import type { HoneypotContext } from '../../runtime/context.js'
import type { SeededRng } from '../../runtime/rng.js'

export interface CertificateOptions {
  /** Subject/issuer CN; defaults to the decky's persona hostname. */
  cn?: string
  /** Extra subjectAltName entries (DNS names or IP addresses). */
  sans?: readonly string[]
  /** Validity in days (default 3650, like make-ssl-cert). */
  days?: number
  /** File name of the key in the state dir (default tls-key.pem). */
  keyFile?: string
  /** 'snakeoil' (default, Debian make-ssl-cert) or 'windows-rdp' (see the file header; `sans`/`days` ignored). */
  profile?: CertificateProfile
  /** Clock for the windows-rdp renewal cycle (tests); default now. */
  now?: Date
}

export type CertificateProfile = 'snakeoil' | 'windows-rdp'

export interface DeckyCertificate {
  /** PKCS#8 PEM private key. */
  key: string
  /** PEM certificate. */
  cert: string
}

const KEY_BITS = 2048
const DAY_MS = 86_400_000
/** Earliest fake issue date; the RNG adds up to ~2 years. */
const EPOCH = Date.UTC(2023, 0, 1)
/** Windows' self-signed RDP certificate: 6 months, renewed before it expires. */
const RDP_VALIDITY_MONTHS = 6
const RDP_RENEW_DAYS = 180
const RDP_SERIAL_BYTES = 16

const keyJobs = new Map<string, Promise<string>>()

function newKeyPem(): Promise<string> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', {
      modulusLength: KEY_BITS,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    }, (err, _pub, priv) => (err ? reject(err) : resolve(priv)))
  })
}

/** The key PEM stored at `path`, generated on first use. One generation per path per process. */
export function stateKey(path: string): Promise<string> {
  let job = keyJobs.get(path)
  if (!job) {
    job = (async () => {
      try {
        return await readFile(path, 'utf8')
      } catch {
        const pem = await newKeyPem()
        const tmp = `${path}.${process.pid}.tmp`
        await writeFile(tmp, pem, { mode: 0o600 })
        await rename(tmp, path)
        return pem
      }
    })()
    keyJobs.set(path, job)
    job.catch(() => keyJobs.delete(path))
  }
  return job
}

/** Build the X.509 certificate for a key; pure given its inputs. */
export function buildCertificate(
  keyPem: string,
  o: { cn: string; sans: readonly string[]; serialHex: string; notBefore: Date; days: number; notAfter?: Date; profile?: CertificateProfile },
): string {
  const priv = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.setRsaPublicKey(priv.n, priv.e)
  cert.serialNumber = o.serialHex
  cert.validity.notBefore = o.notBefore
  cert.validity.notAfter = o.notAfter ?? new Date(o.notBefore.getTime() + o.days * DAY_MS)
  const name = [{ shortName: 'CN', value: o.cn }]
  cert.setSubject(name)
  cert.setIssuer(name)
  if (o.profile === 'windows-rdp') {
    cert.setExtensions([
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'keyUsage', keyEncipherment: true, dataEncipherment: true },
    ])
  } else {
    const alt = [...new Set([o.cn, ...o.sans])].map((v) => (isIP(v) ? { type: 7, ip: v } : { type: 2, value: v }))
    cert.setExtensions([
      { name: 'subjectKeyIdentifier' },
      { name: 'authorityKeyIdentifier', keyIdentifier: true },
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: alt },
    ])
  }
  cert.sign(priv, forge.md.sha256.create())
  return forge.pki.certificateToPem(cert)
}

/**
 * Validity of the Windows RDP self-signed certificate at `now`: the last
 * (re)generation in a seeded 180-day cycle, at least a day ago; notAfter is
 * 6 calendar months later (SYSTEMTIME month arithmetic: 181-184 days).
 */
export function rdpValidity(rng: SeededRng, now: Date): { notBefore: Date; notAfter: Date } {
  const period = RDP_RENEW_DAYS * DAY_MS
  const phase = rng.int(0, RDP_RENEW_DAYS * 86_400 - 1) * 1000
  const latest = now.getTime() - DAY_MS
  const notBefore = new Date(EPOCH + phase + Math.floor((latest - EPOCH - phase) / period) * period)
  const notAfter = new Date(notBefore)
  notAfter.setUTCMonth(notAfter.getUTCMonth() + RDP_VALIDITY_MONTHS)
  // Jan 31 + 6 months must not roll into the month after July
  if (notAfter.getUTCDate() !== notBefore.getUTCDate()) notAfter.setUTCDate(0)
  return { notBefore, notAfter }
}

async function windowsRdpCertificate(ctx: HoneypotContext, cn: string, opts: CertificateOptions): Promise<DeckyCertificate> {
  const rng = ctx.rng.fork(`tls/rdp-cert/${cn}`)
  // 16 random bytes, kept positive and 16 bytes long in DER
  const serial = rng.bytes(RDP_SERIAL_BYTES)
  serial[0] = ((serial[0] as number) & 0x7f) || 0x01
  const { notBefore, notAfter } = rdpValidity(rng.fork('validity'), opts.now ?? new Date())
  const dir = await ctx.stateDir()
  const key = await stateKey(join(dir, opts.keyFile ?? 'tls-key.pem'))
  const cert = buildCertificate(key, { cn, sans: [], serialHex: serial.toString('hex'), notBefore, notAfter, days: 0, profile: 'windows-rdp' })
  return { key, cert }
}

/** A self-signed certificate for this decky (see the file header). */
export async function deckyCertificate(ctx: HoneypotContext, opts: CertificateOptions = {}): Promise<DeckyCertificate> {
  const cn = opts.cn ?? ctx.decky.hostname
  if (opts.profile === 'windows-rdp') return windowsRdpCertificate(ctx, cn, opts)
  const rng = ctx.rng.fork(`tls/cert/${cn}`)
  // 159-bit positive serial, like OpenSSL 3's `req -x509`.
  const serial = rng.bytes(20)
  serial[0] = (serial[0] as number) & 0x7f
  if (serial[0] === 0) serial[0] = 0x01
  const notBefore = new Date(Math.min(EPOCH + rng.int(0, 700) * DAY_MS + rng.int(0, DAY_MS / 1000 - 1) * 1000, Date.now() - DAY_MS))
  notBefore.setUTCMilliseconds(0)
  const dir = await ctx.stateDir()
  const key = await stateKey(join(dir, opts.keyFile ?? 'tls-key.pem'))
  const cert = buildCertificate(key, { cn, sans: opts.sans ?? [], serialHex: serial.toString('hex'), notBefore, days: opts.days ?? 3650 })
  return { key, cert }
}
