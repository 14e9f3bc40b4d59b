import { test } from 'node:test'
import { writeFileSync } from 'node:fs'
import { startEmulator } from '../helpers/emulator.js'
test('scratch', { timeout: 200_000 }, async (t) => {
  const h = await startEmulator(t, 'http', { fake_app: process.env.APP ?? 'tomcat' })
  writeFileSync('/tmp/scratch-port', String(h.port(80)))
  await new Promise((r) => setTimeout(r, 150_000))
})
