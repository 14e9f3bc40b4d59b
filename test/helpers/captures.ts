// Capture assertions shared by the tests and by the test of the tests
// (test/capture-self-check.test.ts), which runs them against a deliberately
// wrong emulator and expects them to fail.
import assert from 'node:assert/strict'
import http from 'node:http'
import type { DecnetEvent } from '../../src/events/event.js'
import type { StartedEmulator } from './emulator.js'

export const BASIC_USER = 'operator'
export const BASIC_PASSWORD = 'Tr0ub4dor&3'
export const BASIC_UA = 'Mozilla/5.0 (decoy-test)'

/**
 * An HTTP Basic login to `path` from the emulator's client address; asserts the
 * `request` event names the exact user, secret, client address and client port.
 * Resolves with the event and the HTTP status.
 */
export async function assertBasicAuthCaptured(
  h: Pick<StartedEmulator, 'host' | 'client' | 'port' | 'sink'>,
  path = '/admin/',
): Promise<{ ev: DecnetEvent; status: number }> {
  let localPort = 0
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request({
      host: h.host, port: h.port(80), path, localAddress: h.client, agent: false,
      headers: { Authorization: `Basic ${Buffer.from(`${BASIC_USER}:${BASIC_PASSWORD}`).toString('base64')}`, 'User-Agent': BASIC_UA },
    }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('socket', (s) => s.on('connect', () => (localPort = s.localPort ?? 0)))
    req.on('error', reject)
    req.end()
  })
  assert.ok(localPort > 0, 'the client knows its port')
  const ev = await h.sink.next('request', (e) => e.fields.path === path)
  assert.deepEqual(
    [ev.fields.principal, ev.fields.secret_printable, ev.fields.secret_b64, ev.fields.secret_kind, ev.fields.src_ip, ev.fields.src_port, ev.fields.user_agent],
    [BASIC_USER, BASIC_PASSWORD, Buffer.from(BASIC_PASSWORD).toString('base64'), 'plaintext', h.client, String(localPort), BASIC_UA],
  )
  return { ev, status }
}
