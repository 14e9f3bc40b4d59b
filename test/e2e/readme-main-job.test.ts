// The README's first command, as a new user would run it: the `decnet deploy
// …` part of the line after README's main-job marker runs with the built CLI
// (bin/decnet.js, built by `npm ci`) as an unprivileged user, in the
// background (--detach). Then the README's attacker block runs verbatim, line
// by line through `sh -c` as the same user (same DECNET_HOME): its two `curl`s
// (Basic auth to decky 1, a WordPress login form to decky 2), `npx decnet
// bounty` ("both credentials, with decky, service and source IP") and `npx
// decnet status`. `decnet bounty --json` must hold exactly those two
// credentials with the right decky, service and source IP, and the verbatim
// bounty table must show them; `decnet teardown --all` stops the fleet.
// Needs root (to create and switch to the user `decnet-ci`): skips otherwise,
// fails in strict mode (test/helpers/tools.ts).
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { flagValue, readmeAttackerLines, readmeMainCommand, REPO_ROOT } from '../helpers/readme-command.js'
import { requireTools } from '../helpers/tools.js'

const run = promisify(execFile)
const USER = 'decnet-ci'
const CLI = join(REPO_ROOT, 'bin', 'decnet.js')

function ensureUser(): { uid: number; gid: number } {
  if (spawnSync('id', ['-u', USER], { stdio: 'ignore' }).status !== 0) {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', USER])
  }
  const uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim())
  const gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }).trim())
  assert.notEqual(uid, 0)
  return { uid, gid }
}

/** Every folder from / down to `dir` gets o+x, so the user can reach the checkout and node. */
function ensureTraversable(dir: string): void {
  const chain: string[] = []
  for (let d = dir; ; d = dirname(d)) {
    chain.push(d)
    if (dirname(d) === d) break
  }
  for (const d of chain.reverse()) {
    const mode = statSync(d).mode
    if ((mode & 0o001) === 0) chmodSync(d, (mode & 0o7777) | 0o001)
  }
}

function asUser(home: string, args: string[], timeout = 120_000) {
  return run('runuser', ['-u', USER, '--', 'env', `DECNET_HOME=${home}`, `HOME=${home}`, process.execPath, CLI, ...args], {
    cwd: REPO_ROOT, timeout, encoding: 'utf8',
  })
}

/** One README line, verbatim, through `sh -c` as the user, in the checkout (npx finds the local bin). */
function shAsUser(home: string, line: string, timeout = 120_000) {
  const path = `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`
  // a clean environment: under `npm run`, npm_config_* variables (root's cache, root's npmrc) would leak into the user's npx
  return run('runuser', ['-u', USER, '--', 'env', '-i', `DECNET_HOME=${home}`, `HOME=${home}`, `PATH=${path}`, `npm_config_cache=${join(home, '.npm')}`, 'npm_config_update_notifier=false', 'sh', '-c', line], {
    cwd: REPO_ROOT, timeout, encoding: 'utf8',
  })
}

function userCanRead(path: string): boolean {
  return spawnSync('runuser', ['-u', USER, '--', 'test', '-r', path]).status === 0
}

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await f()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

function prepare(t: TestContext): { home: string; uid: number } {
  const { uid, gid } = ensureUser()
  ensureTraversable(REPO_ROOT)
  ensureTraversable(dirname(process.execPath))
  assert.ok(existsSync(join(REPO_ROOT, 'dist', 'cli', 'commands', 'deploy.js')), 'dist/ is not built: npm ci (prepare) or npm run build')
  if (!userCanRead(join(REPO_ROOT, 'dist', 'cli', 'main.js')) || !userCanRead(join(REPO_ROOT, 'node_modules', 'commander', 'package.json'))) {
    execFileSync('chmod', ['-R', 'o+rX', REPO_ROOT]) // a checkout made with a private umask
  }
  const home = mkdtempSync(join(tmpdir(), 'decnet-e2e-'))
  chownSync(home, uid, gid)
  t.after(async () => {
    if (existsSync(join(home, 'state.json'))) {
      const pid = (JSON.parse(readFileSync(join(home, 'state.json'), 'utf8')) as { pid?: number }).pid
      await asUser(home, ['teardown', '--all'], 30_000).catch(() => undefined)
      if (pid) try { process.kill(pid, 'SIGKILL') } catch { /* gone */ }
    }
    rmSync(home, { recursive: true, force: true })
  })
  return { home, uid }
}

/** Alive and not a zombie (a container's PID 1 may not reap). */
function running(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return false
  }
}

interface CredentialRecord {
  bounty_type: string
  decky: string
  service: string
  src_ip: string
  principal: string
  secret_printable: string
}

test('README first command as an unprivileged user: two deckies catch two credentials', { timeout: 240_000 }, async (t) => {
  if (!requireTools(t, 'linux', 'root', 'runuser', 'useradd')) return
  const { line, deployArgs } = readmeMainCommand()
  assert.match(line, /^npm ci && npx decnet deploy /)
  const port = 80 + Number(flagValue(deployArgs, '--port-offset') ?? 0)
  const deckies = Number(flagValue(deployArgs, '--deckies'))
  assert.ok(deckies >= 2, 'the README fleet needs two deckies for this test')
  const { home, uid } = prepare(t)

  const deployed = await asUser(home, [...deployArgs, '--detach'])
  assert.match(deployed.stdout, new RegExp(`${deckies} services up on ${deckies} deckies, in the background \\(pid (\\d+)`))
  const pid = Number(/\(pid (\d+)/.exec(deployed.stdout)?.[1])
  // the runner really is the unprivileged user
  assert.match(readFileSync(`/proc/${pid}/status`, 'utf8'), new RegExp(`^Uid:\\s+${uid}\\s`, 'm'))

  const lines = readmeAttackerLines()
  // the README's ports and addresses are those of its deploy command
  assert.ok(lines.some((l) => l.startsWith(`curl -u admin:Winter2026 http://127.42.0.1:${port}/`)), lines.join('\n'))
  assert.ok(lines.some((l) => l.startsWith(`curl -d 'log=editor&pwd=S3cret' http://127.42.0.2:${port}/wp-login.php`)), lines.join('\n'))
  const [attacks, cli] = [lines.filter((l) => l.startsWith('curl ')), lines.filter((l) => !l.startsWith('curl '))]
  assert.deepEqual(cli.map((l) => l.split('#')[0]?.trim()), ['npx decnet bounty', 'npx decnet status'])
  for (const line of attacks) await shAsUser(home, line, 30_000)
  // `npx decnet` in a checkout installs the project itself into npm's _npx cache,
  // running its `prepare` (tsc into dist/): the user who cloned it can, but
  // decnet-ci cannot write root's checkout. Warm that cache as root, then hand
  // it to the user, as their own first `npx decnet` would have left it.
  const cache = join(home, '.npm')
  await run('npx', ['--yes', 'decnet', '--help'], { cwd: REPO_ROOT, timeout: 180_000, env: { ...process.env, npm_config_cache: cache, npm_config_update_notifier: 'false' } })
  execFileSync('chown', ['-R', `${uid}:${statSync(home).gid}`, cache])

  const creds = await until('both credentials in decnet bounty --json', async () => {
    const out = await asUser(home, ['bounty', '--kind', 'credential', '--json'], 30_000)
    const rows = (JSON.parse(out.stdout) as CredentialRecord[]).filter((r) => r.bounty_type === 'credential')
    return rows.length >= 2 ? rows : undefined
  })
  assert.deepEqual(creds.map((r) => [r.decky, r.service, r.src_ip, r.principal, r.secret_printable]).sort(), [
    ['decky-01', 'http', '127.0.0.1', 'admin', 'Winter2026'],
    ['decky-02', 'http', '127.0.0.1', 'editor', 'S3cret'],
  ])

  // README: "npx decnet bounty            # both credentials, with decky, service and source IP"
  const bounty = (await shAsUser(home, cli[0] ?? '')).stdout
  for (const [decky, user, secret] of [['decky-01', 'admin', 'Winter2026'], ['decky-02', 'editor', 'S3cret']] as const) {
    const row = bounty.split('\n').find((l) => l.includes(decky) && l.includes(user))
    assert.ok(row, `no ${decky} ${user} row in decnet bounty:\n${bounty}`)
    for (const v of ['http', '127.0.0.1', secret]) assert.ok(row.includes(v), `decnet bounty row lacks ${v}: ${row}`)
  }
  // README: "npx decnet status            # deckies, services, bound ports, counts"
  const statusText = (await shAsUser(home, cli[1] ?? '')).stdout
  for (let i = 1; i <= deckies; i++) assert.match(statusText, new RegExp(`decky-0${i}`), statusText)
  assert.match(statusText, new RegExp(`\\b${port}\\b`), statusText)

  const status = JSON.parse((await asUser(home, ['status', '--json'], 30_000)).stdout) as { runner_alive: boolean; counts: { credentials: number } }
  assert.equal(status.runner_alive, true)
  assert.equal(status.counts.credentials, 2)

  const down = await asUser(home, ['teardown', '--all'], 60_000)
  assert.equal(down.stdout.trim(), `Stopped ${deckies} deckies.`)
  assert.equal(existsSync(join(home, 'state.json')), false)
  await until('the runner to exit', async () => (running(pid) ? undefined : true), 10_000)
  await assert.rejects(fetch(`http://127.42.0.1:${port}/`), /fetch failed/)
})
