// nmap's service detection must name the product the persona claims.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { startEmulator, type StartedEmulator } from '../helpers/emulator.js'
import { nmapPort } from '../helpers/nmap.js'
import { requireTools } from '../helpers/tools.js'

const run = promisify(execFile)
/** nmap -sV from the client address (-S needs -e: the loopback interface) → the port's line. */
async function nmapService(h: StartedEmulator, declared: number): Promise<string> {
  const port = h.port(declared)
  const { stdout } = await run('nmap', ['-sV', '-Pn', '-n', '-e', 'lo', '-S', h.client, '--version-intensity', '5', '-p', String(port), h.host], { timeout: 120_000 })
  return nmapPort(stdout, port).line
}

test('nmap -sV names Apache httpd with the Debian version for a Linux decky', { timeout: 150_000 }, async (t) => {
  if (!requireTools(t, 'nmap', 'root')) return
  const h = await startEmulator(t, 'http', {}, { decky: { osFamily: 'linux', distro: 'debian' } })
  const line = await nmapService(h, 80)
  assert.match(line, /open\s+http\s+Apache httpd 2\.4\.\d+ \(\(Debian\)\)/)
  // nmap -S: the probes come from the client address, and the capture says so
  const req = await h.sink.next('request')
  assert.equal(req.fields.src_ip, h.client)
})

test('nmap -sV names Microsoft IIS httpd for a Windows decky', { timeout: 150_000 }, async (t) => {
  if (!requireTools(t, 'nmap', 'root')) return
  const h = await startEmulator(t, 'http', {}, { decky: { osFamily: 'windows_server', hostname: 'WIN-WEB01' } })
  const line = await nmapService(h, 80)
  assert.match(line, /open\s+http\s+Microsoft IIS httpd 10\.0/)
})

test('nmap -sV names nginx and sees TLS on the 443 port', { timeout: 150_000 }, async (t) => {
  if (!requireTools(t, 'nmap', 'root')) return
  const h = await startEmulator(t, 'http', { fake_app: 'nginx_default' }, { decky: { distro: 'ubuntu22' } })
  const line = await nmapService(h, 80)
  assert.match(line, /open\s+http\s+nginx 1\.18\.0 \(Ubuntu\)/)
  const tls = await nmapService(h, 443)
  assert.match(tls, /open\s+ssl\/http\s+nginx 1\.18\.0 \(Ubuntu\)/)
})

test('nmap -sV names Apache Tomcat for the tomcat skin and Jetty for jenkins', { timeout: 300_000 }, async (t) => {
  if (!requireTools(t, 'nmap', 'root')) return
  const tc = await startEmulator(t, 'http', { fake_app: 'tomcat' })
  assert.match(await nmapService(tc, 80), /open\s+http\s+Apache Tomcat 9\.0\.\d+/)
  const j = await startEmulator(t, 'http', { fake_app: 'jenkins' })
  assert.match(await nmapService(j, 80), /open\s+http\s+Jetty 1\d\.\d+\.\d+/)
})
