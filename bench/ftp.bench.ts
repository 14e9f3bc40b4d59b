// The ftp emulator's login rate against a raw-socket baseline (ratios, since
// this machine is shared and noisy): connect → 220 → USER anonymous → 331 →
// PASS → 230 → QUIT → 221, sequentially, fresh client address per connection.
// The raw server writes the same replies by hand with net.createServer; the
// emulator adds admission, timers, events, the line server and the persona.
// Failed logins are not measured: vsftpd's 1 s delay_failed_login bounds them.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, createServer, type AddressInfo } from 'node:net'
import { randomBytes } from 'node:crypto'
import { FtpService } from '../src/services/ftp.js'
import { makeServiceContext } from '../src/runtime/service-runtime.js'
import { formatTable } from '../src/cli/table.js'

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
  const home = mkdtempSync(join(tmpdir(), 'decnet-bench-ftp-'))
  let events = 0
  const plugin = new FtpService()
  const svc = makeServiceContext({
    decky: { name: 'decky-01', hostname: 'bench', ip: HOST, osFamily: 'linux', distro: 'debian' },
    plugin,
    rawConfig: { pasv_min_port: 40000, pasv_max_port: 40000 },
    bindAddress: HOST,
    portMap: new Map([[21, 0], [40000, 0]]),
    sink: { write: () => void events++ },
    home,
    artifactsRoot: join(home, 'a'),
    installSecret: randomBytes(32),
    limits: { maxConnections: 100_000, maxConnectionsPerIp: 100_000 },
  })
  const { ctx, scope } = svc.openScope()
  const factory = await plugin.emulator()
  const hp = factory(ctx)
  await hp.start()
  const kitPort = scope.bound.find((b) => b.declared === 21)?.port ?? 0
  const raw = await rawServer()
  const r: number[] = []
  const k: number[] = []
  try {
    for (let round = 0; round < ROUNDS; round++) {
      r.push(await logins(raw.port, LOGINS, round * 2 * LOGINS))
      k.push(await logins(kitPort, LOGINS, (round * 2 + 1) * LOGINS))
    }
  } finally {
    raw.close()
    await scope.close()
    await hp.stop?.()
    rmSync(home, { recursive: true, force: true })
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
  const [rm, km] = [median(r), median(k)]
  process.stdout.write(formatTable(['what', 'raw sockets', 'ftp emulator', 'emulator / raw'], [
    [`anonymous logins/s (${LOGINS} sequential)`, rm.toFixed(0), km.toFixed(0), (km / rm).toFixed(2)],
  ]) + '\n')
  process.stdout.write(`(medians of ${ROUNDS} alternating rounds; ${events} events emitted by the emulator)\n`)
}
