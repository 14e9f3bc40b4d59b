// The test of the tests: a capture assertion must fail when the emulator logs
// the wrong source address. An emulator whose sink swaps each event's src_ip
// for the server's own address (the bug a server-side `socket.localAddress`
// would make) is run through the real assertion the http tests use.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { DecnetEvent } from '../src/events/event.js'
import type { EventSink } from '../src/events/sink.js'
import { CLIENT_ADDRESS, SERVER_ADDRESS, startEmulator } from './helpers/emulator.js'
import { assertBasicAuthCaptured } from './helpers/captures.js'

/** The deliberate bug: every peer event names the server address as its source. */
const serverAsSource = (sink: EventSink, host: string): EventSink => ({
  write(e: DecnetEvent) {
    sink.write(e.fields.src_ip === undefined ? e : { ...e, fields: { ...e.fields, src_ip: host } })
  },
})

test('self-check: clients and emulators use different loopback addresses', async (t) => {
  const h = await startEmulator(t, 'http')
  assert.deepEqual([h.host, h.client], [SERVER_ADDRESS, CLIENT_ADDRESS])
  assert.notEqual(h.host, h.client)
  const k = await startEmulator(t, 'http', {}, { kernelSource: true })
  assert.notEqual(k.host, k.client)
})

test('self-check: the capture assertion passes on the real emulator', async (t) => {
  const h = await startEmulator(t, 'http')
  await assertBasicAuthCaptured(h)
})

test('self-check: the capture assertion fails when the emulator logs its own address as the source', async (t) => {
  const h = await startEmulator(t, 'http', {}, { wrapSink: serverAsSource })
  await assert.rejects(assertBasicAuthCaptured(h), (e: unknown) => {
    assert.ok(e instanceof assert.AssertionError, String(e))
    // the mismatch is the address: expected the client's, got the server's
    assert.match(e.message, new RegExp(`'${SERVER_ADDRESS.replace(/\./g, '\\.')}'`))
    assert.match(e.message, new RegExp(`'${CLIENT_ADDRESS.replace(/\./g, '\\.')}'`))
    return true
  })
  // and with the old helper's setup (client == server address) the same bug went unseen
  await assertBasicAuthCaptured({ ...h, client: h.host }, '/old-setup/')
})

test('self-check: the kernel-chosen source (server on 127.0.0.5) also exposes the bug', async (t) => {
  const h = await startEmulator(t, 'http', {}, { kernelSource: true, wrapSink: serverAsSource })
  await assert.rejects(assertBasicAuthCaptured(h), assert.AssertionError)
})
