// pop3 and imap logins per second, side by side with a raw-socket baseline
// that answers the same exchange with canned lines (ratios: the machine is
// shared). One login = connect, greeting, USER/PASS (pop3) or LOGIN (imap)
// with the bait account, the success reply, close.
import { connect, createServer, type AddressInfo, type Server } from 'node:net'
import { loadServices } from '../src/services/registry.js'
import { mailPersona } from '../src/honeypots/shared/mail/persona.js'
import { formatTable } from '../src/cli/table.js'
import { sideBySide, startBenchEmulator } from './kit.js'

export const name = 'mail logins (pop3 / imap emulators vs raw sockets)'

const LOGINS = 400
const ROUNDS = 3
const HOST = '127.0.0.1'

interface Script {
  greeting: string
  /** Lines the client sends, each after one reply line. */
  steps: string[]
  /** The reply that ends a login. */
  done: RegExp
}

async function logins(port: number, s: Script, n: number): Promise<number> {
  const started = performance.now()
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve, reject) => {
      const c = connect({ host: HOST, port, localAddress: `127.11.${(i >> 8) & 255}.${(i & 255) || 1}` })
      let buf = ''
      let step = 0
      c.on('data', (d: Buffer) => {
        buf += d.toString('latin1')
        while (buf.includes('\r\n')) {
          const line = buf.slice(0, buf.indexOf('\r\n'))
          buf = buf.slice(buf.indexOf('\r\n') + 2)
          if (s.done.test(line)) return void c.destroy()
          const next = s.steps[step++]
          if (next !== undefined) c.write(`${next}\r\n`)
        }
      })
      c.once('close', () => resolve())
      c.once('error', reject)
    })
  }
  return n / ((performance.now() - started) / 1000)
}

/** Canned server: greeting, then one reply per line. */
function raw(greeting: string, replies: string[]): Promise<Server> {
  const srv = createServer((sock) => {
    let i = 0
    let buf = ''
    sock.write(`${greeting}\r\n`)
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1')
      while (buf.includes('\r\n')) {
        buf = buf.slice(buf.indexOf('\r\n') + 2)
        sock.write(`${replies[i++] ?? '-ERR'}\r\n`)
      }
    })
    sock.on('error', () => {})
  })
  return new Promise((r) => srv.listen(0, HOST, () => r(srv)))
}

export async function run(): Promise<void> {
  await loadServices()
  const rows: string[][] = []
  for (const slug of ['pop3', 'imap'] as const) {
    const emu = await startBenchEmulator(slug, { hostname: 'mail' })
    const port = emu.port(slug === 'pop3' ? 110 : 143)
    const p = mailPersona(emu.ctx)
    const script: Script = slug === 'pop3'
      ? { greeting: '', steps: [`USER ${p.account.user}`, `PASS ${p.account.password}`], done: /^\+OK Logged in/ }
      : { greeting: '', steps: [`a LOGIN ${p.account.user} "${p.account.password}"`], done: /^a OK/ }
    const baseline = await raw(slug === 'pop3' ? '+OK Dovecot (Debian) ready.' : '* OK Dovecot (Debian) ready.', slug === 'pop3' ? ['+OK', '+OK Logged in.'] : ['a OK Logged in'])
    const rawPort = (baseline.address() as AddressInfo).port
    const [rawRate, emuRate] = await sideBySide(ROUNDS, () => logins(rawPort, script, LOGINS), () => logins(port, script, LOGINS))
    rows.push([`${slug} bait login`, rawRate.toFixed(0), emuRate.toFixed(0), (emuRate / rawRate).toFixed(2)])
    baseline.close()
    await emu.stop()
  }
  process.stdout.write(formatTable(['logins/s', 'raw sockets', 'emulator', 'emulator / raw'], rows) + '\n')
  process.stdout.write(`(medians of ${ROUNDS} alternating rounds of ${LOGINS} sequential logins)\n`)
}
