// `decnet services [--json]` through main(), in a child process, stdout captured.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'

const execFileP = promisify(execFile)
const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

interface Row {
  name: string
  ports: number[]
  udp: number[]
  local: boolean
  singleton: boolean
  image: string
  persona_keys: string[]
}

/**
 * Runs main() in a child process: under `node --test` this process's stdout
 * carries the runner's own protocol, so it cannot be borrowed for capture.
 */
async function runCli(args: string[]): Promise<{ code: number; out: string }> {
  const script = `const m = await import(${JSON.stringify(MAIN)}); process.exitCode = await m.main(${JSON.stringify(['node', 'decnet', ...args])})`
  try {
    const { stdout } = await execFileP(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT })
    return { code: 0, out: stdout }
  } catch (e) {
    const err = e as { code?: number; stdout?: string }
    return { code: err.code ?? -1, out: err.stdout ?? '' }
  }
}

test('decnet services --json lists the 29 plugins with TCP and UDP ports', async () => {
  const { code, out } = await runCli(['services', '--json'])
  assert.equal(code, 0)
  const rows = JSON.parse(out) as Row[]
  assert.equal(rows.length, 29)
  assert.deepEqual(rows.map((r) => r.name), [...rows.map((r) => r.name)].sort())
  const by = new Map(rows.map((r) => [r.name, r]))
  assert.deepEqual(by.get('ssh'), { name: 'ssh', ports: [22], udp: [], singleton: false, local: true, image: 'build', persona_keys: ['password', 'user', 'user_password', 'hostname'] })
  assert.deepEqual([by.get('snmp')?.ports, by.get('snmp')?.udp], [[], [161]])
  assert.deepEqual([by.get('sip')?.ports, by.get('sip')?.udp], [[5060], [5060]])
  assert.deepEqual([by.get('llmnr')?.ports, by.get('llmnr')?.udp], [[], [5355, 5353]])
  assert.deepEqual([by.get('dns')?.ports, by.get('dns')?.udp], [[53], [53]])
  assert.deepEqual([by.get('conpot')?.ports, by.get('conpot')?.udp], [[502, 80], [161]])
  assert.deepEqual(by.get('https')?.udp, [])
  assert.equal(by.get('sniffer')?.singleton, true)
  // which plugins the local engine runs (issue 11, item 9)
  assert.deepEqual([by.get('http')?.local, by.get('sniffer')?.local, by.get('vnc')?.local], [true, false, false])
})

test('decnet services prints a table with a UDP column', async () => {
  const { code, out } = await runCli(['services'])
  assert.equal(code, 0)
  const tftp = out.split('\n').find((l) => /^\s*tftp\b/.test(l))
  assert.ok(tftp, out)
  assert.match(tftp, /\b69\b/)
  assert.match(out.split('\n')[0] ?? '', /UDP/)
  assert.match(out.split('\n')[0] ?? '', /\bLocal\b/)
})
