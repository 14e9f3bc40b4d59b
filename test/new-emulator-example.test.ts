// docs/new-emulator.md's example runs: greeting, a captured credential with the
// client's address (clients connect from 127.0.0.3), QUIT, an over-long line.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { loadServices, registerCustomService } from '../src/services/registry.js'
import { ExamplePop3Service } from './fixtures/new-emulator-example.js'
import { startEmulator } from './helpers/emulator.js'

const CLIENT = '127.0.0.3'

function talk(port: number, lines: string[]): Promise<{ text: string; localPort: number }> {
  return new Promise((resolve, reject) => {
    const c = connect({ host: '127.0.0.1', port, localAddress: CLIENT }, () => c.write(lines.map((l) => `${l}\r\n`).join('')))
    let text = ''
    c.on('data', (d: Buffer) => (text += d.toString('latin1')))
    c.on('close', () => resolve({ text, localPort: localPort ?? 0 }))
    c.on('error', reject)
    let localPort: number | undefined
    c.on('connect', () => (localPort = c.localPort))
    setTimeout(() => c.destroy(), 3000).unref()
  })
}

test('the new-emulator recipe example: greeting, credential with the client address, QUIT', async (t) => {
  await loadServices()
  registerCustomService(new ExamplePop3Service())
  const e = await startEmulator(t, 'example_pop3', {}, { decky: { hostname: 'mail01' } })
  const { text, localPort } = await talk(e.port(110), ['USER alice', 'PASS Spring2026!', 'QUIT'])
  assert.match(text, /^\+OK Dovecot ready\. <\d+\.\d@mail01>\r\n\+OK\r\n-ERR \[AUTH\] Authentication failed\.\r\n\+OK Logging out\r\n$/)
  const auth = await e.sink.next('auth_attempt')
  assert.deepEqual(
    [auth.fields.username, auth.fields.secret_printable, auth.fields.secret_b64, auth.fields.src_ip, auth.fields.src_port],
    ['alice', 'Spring2026!', Buffer.from('Spring2026!').toString('base64'), CLIENT, String(localPort)],
  )
  const long = await talk(e.port(110), ['A'.repeat(e.ctx.limits.maxLineBytes + 10)])
  assert.match(long.text, /-ERR Input line too long\r\n$/)
})
