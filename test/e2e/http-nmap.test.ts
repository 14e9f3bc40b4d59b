// nmap's service detection must name the product the persona claims.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, spawnSync } from 'node:child_process'
import { promisify } from 'node:util'
import { startEmulator } from '../helpers/emulator.js'

const run = promisify(execFile)
const NMAP = spawnSync('nmap', ['--version']).status === 0
const skip = NMAP ? false : 'nmap is not installed (apt-get install nmap)'

async function nmapService(port: number): Promise<string> {
  const { stdout } = await run('nmap', ['-sV', '-Pn', '-n', '--version-intensity', '5', '-p', String(port), '127.0.0.1'], { timeout: 120_000 })
  return stdout.split('\n').find((l) => l.startsWith(`${port}/tcp`)) ?? stdout
}

test('nmap -sV names Apache httpd with the Debian version for a Linux decky', { skip, timeout: 150_000 }, async (t) => {
  const h = await startEmulator(t, 'http', {}, { decky: { osFamily: 'linux', distro: 'debian' } })
  const line = await nmapService(h.port(80))
  assert.match(line, /open\s+http\s+Apache httpd 2\.4\.\d+ \(\(Debian\)\)/)
})

test('nmap -sV names Microsoft IIS httpd for a Windows decky', { skip, timeout: 150_000 }, async (t) => {
  const h = await startEmulator(t, 'http', {}, { decky: { osFamily: 'windows_server', hostname: 'WIN-WEB01' } })
  const line = await nmapService(h.port(80))
  assert.match(line, /open\s+http\s+Microsoft IIS httpd 10\.0/)
})

test('nmap -sV names nginx and sees TLS on the 443 port', { skip, timeout: 150_000 }, async (t) => {
  const h = await startEmulator(t, 'http', { fake_app: 'nginx_default' }, { decky: { distro: 'ubuntu22' } })
  const line = await nmapService(h.port(80))
  assert.match(line, /open\s+http\s+nginx 1\.18\.0 \(Ubuntu\)/)
  const tls = await nmapService(h.port(443))
  assert.match(tls, /open\s+ssl\/http\s+nginx 1\.18\.0 \(Ubuntu\)/)
})

test('nmap -sV names Apache Tomcat for the tomcat skin and Jetty for jenkins', { skip, timeout: 300_000 }, async (t) => {
  const tc = await startEmulator(t, 'http', { fake_app: 'tomcat' })
  assert.match(await nmapService(tc.port(80)), /open\s+http\s+Apache Tomcat 9\.0\.\d+/)
  const j = await startEmulator(t, 'http', { fake_app: 'jenkins' })
  assert.match(await nmapService(j.port(80)), /open\s+http\s+Jetty 1\d\.\d+\.\d+/)
})
