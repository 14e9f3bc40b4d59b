// The ftp emulator's login rate against a raw-socket baseline (ratios, since
// this machine is shared and noisy): connect → 220 → USER anonymous → 331 →
// PASS → 230 → QUIT → 221, sequentially, fresh client address per connection.
// The raw server writes the same replies by hand with net.createServer; the
// emulator adds admission, timers, events, the line server and the persona.
// Failed logins are not measured: vsftpd's 1 s delay_failed_login bounds them.
import { connect, createServer, type AddressInfo } from 'node:net'
import { formatTable } from '../src/cli/table.js'
import { sideBySide, startBenchEmulator } from './kit.js'

export const name = 'ftp (anonymous logins: emulator vs raw sockets)'

const LOGINS = 500
const ROUNDS = 3
const HOST = '127.0.0.1'

async function logins(port: number, n: number, offset: number): Promise<number> {
  const started = performance.now()
  for (let i = 0; i < n; i++) {
    const j = i + offset
    await new Promise<void>((resolve, reject) => {
      const c = connect({ host: HOST, port, localAddress: `127.11.${(j >> 8) & 255}.${(j & 255) || 1}` })
      let buf = ''
      let step = 0
      c.setEncoding('latin1')
      c.on('data', (d: string) => {
        buf += d
        while (buf.includes('\r\n')) {
          const line = buf.slice(0, buf.indexOf('\r\n'))
          buf = buf.slice(buf.indexOf('\r\n') + 2)
          if (step === 0 && line.startsWith('220 ')) c.write('USER anonymous\r\n')
          else if (step === 1 && line.startsWith('331 ')) c.write('PASS bench@example.com\r\n')
          else if (step === 2 && line.startsWith('230 ')) c.write('QUIT\r\n')
          else if (step === 3 && line.startsWith('221 ')) {
            c.destroy()
            return resolve()
          } else return reject(new Error(`unexpected ${line} at step ${step}`))
          step++
        }
      })
      c.on('error', reject)
    })
  }
  return n / ((performance.now() - started) / 1000)
}

function rawServer(): Promise<{ port: number; close: () => void }> {
  const srv = createServer((s) => {
    s.on('error', () => {})
    let buf = ''
    s.setEncoding('latin1')
    s.on('data', (d: string) => {
      buf += d
      while (buf.includes('\r\n')) {
        const line = buf.slice(0, buf.indexOf('\r\n'))
        buf = buf.slice(buf.indexOf('\r\n') + 2)
        const verb = line.split(' ')[0]?.toUpperCase()
        if (verb === 'USER') s.write('331 Please specify the password.\r\n')
        else if (verb === 'PASS') s.write('230 Login successful.\r\n')
        else if (verb === 'QUIT') s.end('221 Goodbye.\r\n')
        else s.write('500 Unknown command.\r\n')
      }
    })
    s.write('220 (vsFTPd 3.0.3)\r\n')
  })
  return new Promise((resolve) => srv.listen(0, HOST, () => resolve({ port: (srv.address() as AddressInfo).port, close: () => srv.close() })))
}

export async function run(): Promise<void> {
  let events = 0
  const emu = await startBenchEmulator('ftp', { config: { pasv_min_port: 40000, pasv_max_port: 40000 }, extraPorts: [40000], sink: { write: () => void events++ } })
  const raw = await rawServer()
  let rm: number
  let km: number
  try {
    ;[rm, km] = await sideBySide(ROUNDS, (round) => logins(raw.port, LOGINS, round * 2 * LOGINS), (round) => logins(emu.port(21), LOGINS, (round * 2 + 1) * LOGINS))
  } finally {
    raw.close()
    await emu.stop()
  }
  process.stdout.write(formatTable(['what', 'raw sockets', 'ftp emulator', 'emulator / raw'], [
    [`anonymous logins/s (${LOGINS} sequential)`, rm.toFixed(0), km.toFixed(0), (km / rm).toFixed(2)],
  ]) + '\n')
  process.stdout.write(`(medians of ${ROUNDS} alternating rounds; ${events} events emitted by the emulator)\n`)
}
