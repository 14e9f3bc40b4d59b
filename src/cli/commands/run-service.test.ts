// decnet run-service as a container runs it: NODE_NAME, HOSTNAME, LOG_TARGET
// and persona variables in the environment; events arrive as RFC 5424 lines.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { parseLine } from '../../syslog/index.js'
import type { DecnetEvent } from '../../events/event.js'
import { runService } from './run-service.js'

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as { port: number }).port
  await new Promise((r) => s.close(r))
  return port
}

test('run-service http: persona from env, events to LOG_TARGET as RFC 5424 lines', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'decnet-rs-'))
  const collector = createSocket('udp4')
  await new Promise<void>((r) => collector.bind(0, '127.0.0.1', r))
  t.after(() => {
    collector.close()
    rmSync(home, { recursive: true, force: true })
  })
  const events: DecnetEvent[] = []
  collector.on('message', (m) => {
    const ev = parseLine(m.toString('utf8'))
    if (ev) events.push(ev)
  })
  // ports 80 and 443 move together; find an offset where 80+N is free
  const port = await freePort()
  const running = await runService('http', { bind: '127.0.0.1', portOffset: String(port - 80) }, {
    NODE_NAME: 'decky-07',
    HOSTNAME: 'WEB-PROD-07',
    LOG_TARGET: `127.0.0.1:${(collector.address()).port}`,
    FAKE_APP: 'wordpress',
    DECNET_HOME: home,
  })
  t.after(() => running.stop())
  assert.equal(running.supervisor.state, 'running')
  assert.equal(running.supervisor.ctx.config.fake_app, 'wordpress')
  const res = await fetch(`http://127.0.0.1:${port}/wp-login.php`, {
    method: 'POST',
    body: new URLSearchParams({ log: 'root', pwd: 'toor' }),
  })
  await res.arrayBuffer()
  const end = Date.now() + 5000
  let cred: DecnetEvent | undefined
  while (!cred && Date.now() < end) {
    cred = events.find((e) => e.fields.secret_printable === 'toor')
    if (!cred) await new Promise((r) => setTimeout(r, 50))
  }
  assert.ok(cred, `no credential event; got ${events.map((e) => e.type).join(', ')}`)
  assert.deepEqual([cred.decky, cred.service, cred.fields.principal, cred.fields.src_ip], ['decky-07', 'http', 'root', '127.0.0.1'])
})
