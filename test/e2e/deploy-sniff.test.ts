// `decnet deploy --sniff lo`: the fleet's own sniffer fingerprints a real TLS
// client (Node's tls) and a real OpenSSH client talking to the deckies, and
// the fingerprints land in the store tied to the decky and the source address.
// Needs root for tcpdump: skips otherwise, fails in strict mode (test/helpers/tools.ts).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:tls'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { REPO_ROOT } from '../helpers/readme-command.js'
import { requireTools } from '../helpers/tools.js'

const run = promisify(execFile)
const CLI = join(REPO_ROOT, 'bin', 'decnet.js')
const OFFSET = 21000
const HTTPS = '127.43.0.1'
const SSH = '127.43.0.2'

interface Fingerprint { fingerprint_type: string; value: string; decky: string; service: string; src_ip: string }

test('deploy --sniff lo: JA3/JA4 of a TLS client and HASSH of an OpenSSH client land in the store', { timeout: 120_000 }, async (t) => {
  if (!requireTools(t, 'root', 'tcpdump', 'ssh')) return
  const home = mkdtempSync(join(tmpdir(), 'decnet-sniff-'))
  const env = { ...process.env, DECNET_HOME: home }
  const cli = (args: string[]) => run(process.execPath, [CLI, ...args], { env, timeout: 60_000 })
  t.after(async () => {
    await cli(['teardown', '--all']).catch(() => undefined)
    rmSync(home, { recursive: true, force: true })
  })
  await cli(['deploy', '--deckies', '2', '--services', 'https,ssh', '--address', `${HTTPS},${SSH}`, '--port-offset', String(OFFSET), '--sniff', 'lo', '--detach'])
  await new Promise((r) => setTimeout(r, 1500)) // tcpdump attaches after the fleet is up

  await new Promise<void>((resolve, reject) => {
    const s = connect({ host: HTTPS, port: 443 + OFFSET, servername: 'intranet.example', ALPNProtocols: ['http/1.1'], rejectUnauthorized: false }, () => {
      s.end()
      resolve()
    })
    s.on('error', reject)
  })
  spawnSync('ssh', ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-p', String(22 + OFFSET), `root@${SSH}`, 'true'], { timeout: 30_000 })

  const deadline = Date.now() + 30_000
  let fps: Fingerprint[] = []
  const has = (kind: string, decky: string) => fps.some((f) => f.fingerprint_type === kind && f.decky === decky && f.service === 'sniffer' && f.src_ip === '127.0.0.1')
  while (Date.now() < deadline) {
    const { stdout } = await cli(['bounty', '--kind', 'fingerprint', '--json'])
    fps = JSON.parse(stdout) as Fingerprint[]
    if (has('ja4', 'decky-01') && has('ja3', 'decky-01') && has('hassh', 'decky-02')) break
    await new Promise((r) => setTimeout(r, 500))
  }
  assert.ok(has('ja3', 'decky-01'), JSON.stringify(fps))
  const ja4 = fps.find((f) => f.fingerprint_type === 'ja4' && f.decky === 'decky-01')
  // Node's client: TLS 1.3, SNI given (d), ALPN http/1.1 → "h1"
  assert.match(ja4?.value ?? '', /^t13d\d{4}h1_[0-9a-f]{12}_[0-9a-f]{12}$/)
  assert.ok(has('hassh', 'decky-02'), JSON.stringify(fps))
})
