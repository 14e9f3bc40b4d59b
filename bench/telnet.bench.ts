// telnet bait logins per second, side by side with a raw-socket baseline that
// answers the same exchange with canned bytes (ratios: the machine is shared).
// One login = connect, the option negotiation (the client refuses every
// option, as hydra does), the login prompt, the bait account, the shell prompt,
// close. Both sides pause 40 ms before the banner like login's exec
// (TELNET_LIMITS.execDelayMs), so the ratio measures the emulator's own cost.
import { connect, createServer, type AddressInfo, type Server } from 'node:net'
import { loadServices } from '../src/services/registry.js'
import { formatTable } from '../src/cli/table.js'
import { TELNET_LIMITS } from '../src/honeypots/telnet/connection.js'
import { sideBySide, startBenchEmulator } from './kit.js'

export const name = 'telnet logins (emulator vs raw sockets)'

const LOGINS = 100
const ROUNDS = 3
const CONCURRENCY = 8
const HOST = '127.0.0.1'
const IAC = 255

/** One login: answer DO with WONT and WILL with DONT, then user, password; done at the shell prompt. */
function login(port: number, i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = connect({ host: HOST, port, localAddress: `127.12.${(i >> 8) & 255}.${(i & 255) || 1}` })
    let text = ''
    let step = 0
    c.on('data', (d: Buffer) => {
      for (let j = 0; j < d.length; j++) {
        if (d[j] === IAC && j + 2 < d.length + 1 && (d[j + 1] ?? 0) >= 251) {
          const verb = d[j + 1] as number
          c.write(Buffer.from([IAC, verb === 253 || verb === 254 ? 252 : 254, d[j + 2] ?? 0]))
          j += 2
        } else text += String.fromCharCode(d[j] as number)
      }
      if (step === 0 && text.endsWith('login: ')) { step = 1; c.write('root\r\n') }
      else if (step === 1 && text.endsWith('Password: ')) { step = 2; c.write('admin\r\n') }
      else if (step === 2 && text.endsWith('# ')) c.destroy()
    })
    c.once('close', () => resolve())
    c.once('error', reject)
  })
}

async function logins(port: number, n: number): Promise<number> {
  const started = performance.now()
  let next = 0
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < n) await login(port, next++)
  }))
  return n / ((performance.now() - started) / 1000)
}

/** Canned server: the same opening, banner, prompts and a motd-sized greeting. */
function raw(): Promise<Server> {
  const srv = createServer((sock) => {
    sock.setNoDelay(true)
    let stage = 0
    let answers = 0
    sock.write(Buffer.from([IAC, 253, 24, IAC, 253, 32, IAC, 253, 35, IAC, 253, 39]))
    sock.on('data', (d: Buffer) => {
      if (stage === 0) {
        answers += d.filter((b) => b === IAC).length
        if (answers >= 4) {
          stage = 1
          sock.write(Buffer.from([IAC, 251, 3, IAC, 253, 1, IAC, 253, 31, IAC, 251, 5, IAC, 253, 33]))
        }
      } else if (stage === 1) {
        if (d.includes(31)) {
          stage = 2
          sock.write(Buffer.from([IAC, 251, 1]))
          setTimeout(() => sock.write('\r\nDebian GNU/Linux 12\r\nbench login: '), TELNET_LIMITS.execDelayMs)
        }
      } else if (stage === 2 && d.includes(13)) { stage = 3; sock.write('root\r\nPassword: ') }
      else if (stage === 3 && d.includes(13)) { stage = 4; sock.write(`\r\n${'motd '.repeat(60)}\r\nroot@bench:~# `) }
    })
    sock.on('error', () => {})
  })
  return new Promise((r) => srv.listen(0, HOST, () => r(srv)))
}

export async function run(): Promise<void> {
  await loadServices()
  const emu = await startBenchEmulator('telnet')
  const port = emu.port(23)
  const baseline = await raw()
  const rawPort = (baseline.address() as AddressInfo).port
  const [rawRate, emuRate] = await sideBySide(ROUNDS, () => logins(rawPort, LOGINS), () => logins(port, LOGINS))
  process.stdout.write(formatTable(['logins/s', 'raw sockets', 'emulator', 'emulator / raw'], [
    ['telnet bait login (shell prompt)', rawRate.toFixed(0), emuRate.toFixed(0), (emuRate / rawRate).toFixed(2)],
  ]) + '\n')
  process.stdout.write(`(medians of ${ROUNDS} alternating rounds of ${LOGINS} logins, ${CONCURRENCY} at a time)\n`)
  baseline.close()
  await emu.stop()
}
