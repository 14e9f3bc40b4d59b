// smtp messages accepted per second, side by side with a raw-socket baseline
// that answers the same exchange with canned replies (ratios: the machine is
// shared). One message = connect, greeting, EHLO + MAIL + RCPT + DATA
// pipelined, 354, a 4 KiB body and ".", QUIT, close. The emulator parses,
// stores the message as an artifact (disk) and emits its events.
import { connect, createServer, type AddressInfo, type Server } from 'node:net'
import { loadServices } from '../src/services/registry.js'
import { mailPersona } from '../src/honeypots/shared/mail/persona.js'
import { formatTable } from '../src/cli/table.js'
import { sideBySide, startBenchEmulator } from './kit.js'

export const name = 'smtp messages (smtp emulator vs raw sockets)'

const MESSAGES = 300
const ROUNDS = 3
const HOST = '127.0.0.1'

function body(i: number): Buffer {
  return Buffer.from(`Subject: bench ${i}\r\nFrom: a@bench.example\r\n\r\n${'x'.repeat(76)}\r\n`.repeat(1) + `${'0123456789'.repeat(7)}\r\n`.repeat(56) + `msg ${i}\r\n`)
}

async function messages(port: number, rcpt: string, n: number): Promise<number> {
  const started = performance.now()
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve, reject) => {
      const c = connect({ host: HOST, port, localAddress: `127.12.${(i >> 8) & 255}.${(i & 255) || 1}` })
      let buf = ''
      let phase = 0
      c.on('data', (d: Buffer) => {
        buf += d.toString('latin1')
        if (phase === 0 && buf.includes('\r\n')) {
          phase = 1
          buf = ''
          c.write(`EHLO bench\r\nMAIL FROM:<a@bench.example>\r\nRCPT TO:<${rcpt}>\r\nDATA\r\n`)
        } else if (phase === 1 && /^354 /m.test(buf)) {
          phase = 2
          buf = ''
          c.write(Buffer.concat([body(i), Buffer.from('.\r\nQUIT\r\n')]))
        } else if (phase === 2 && /^221 /m.test(buf)) {
          if (!/^250 2\.0\.0 Ok: queued/m.test(buf)) reject(new Error(`not queued: ${buf}`))
          c.destroy()
        }
      })
      c.once('close', () => resolve())
      c.once('error', reject)
    })
  }
  return n / ((performance.now() - started) / 1000)
}

/** Canned server: greeting, the four pipelined replies at DATA, queued + Bye at the end of data. */
function raw(): Promise<Server> {
  const srv = createServer((sock) => {
    let buf = ''
    let phase = 0
    sock.write('220 mail ESMTP Postfix (Debian/GNU)\r\n')
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1')
      if (phase === 0 && buf.includes('DATA\r\n')) {
        phase = 1
        buf = ''
        sock.write('250-mail\r\n250 CHUNKING\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n')
      } else if (phase === 1 && buf.includes('\r\n.\r\n')) {
        phase = 2
        sock.end('250 2.0.0 Ok: queued as 0123456789\r\n221 2.0.0 Bye\r\n')
      }
    })
    sock.on('error', () => {})
  })
  return new Promise((r) => srv.listen(0, HOST, () => r(srv)))
}

export async function run(): Promise<void> {
  await loadServices()
  const emu = await startBenchEmulator('smtp', { hostname: 'mail' })
  const port = emu.port(25)
  const rcpt = `postmaster@${mailPersona(emu.ctx).domain}`
  const baseline = await raw()
  const rawPort = (baseline.address() as AddressInfo).port
  const [rawRate, emuRate] = await sideBySide(ROUNDS, () => messages(rawPort, rcpt, MESSAGES), () => messages(port, rcpt, MESSAGES))
  baseline.close()
  await emu.stop()
  process.stdout.write(formatTable(['messages/s', 'raw sockets', 'emulator', 'emulator / raw'], [
    ['4 KiB message, one per connection', rawRate.toFixed(0), emuRate.toFixed(0), (emuRate / rawRate).toFixed(2)],
  ]) + '\n')
  process.stdout.write(`(medians of ${ROUNDS} alternating rounds of ${MESSAGES} sequential messages; the emulator also stores each as an artifact)\n`)
}
