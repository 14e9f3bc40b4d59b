// Hostile input against the shared event loop: a command line must never
// hold it (nested loops, catastrophic regexes), and a transcript never grows
// past its cap (window-change floods). Each test runs a "neighbour": a timer
// that must keep firing while the attacker's command runs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SeededRng } from '../../../runtime/rng.js'
import type { FieldInput } from '../../../events/event.js'
import { buildPersona } from './persona.js'
import { seedFs } from './seed.js'
import { newShellState, runLine } from './interpreter.js'
import { Transcript } from './transcript.js'

function shell() {
  const rng = SeededRng.forDecky(Buffer.alloc(32, 7), 'decky-x')
  const persona = buildPersona({
    hostname: 'web-01', ip: '192.168.1.50', distro: 'debian', rootPassword: 'toor', user: 'ubuntu', userPassword: 'ubuntu1', rng,
  })
  const events: [string, Record<string, FieldInput>][] = []
  const sh = newShellState({
    fs: seedFs(persona, rng), persona, user: persona.users.find((u) => u.name === 'root')!, interactive: false,
    host: { emit: (type, fields) => events.push([type, fields]), peerIp: '203.0.113.9', peerPort: 40000, localPort: 22, service: 'ssh', tty: '/dev/pts/0' },
  })
  const run = async (line: string) => {
    let out = ''
    const code = await runLine(sh, line, { out: (s) => (out += s), err: (s) => (out += s) })
    return { out, code }
  }
  return { sh, run, events }
}

/** Runs `work` while a 10 ms interval measures event-loop lag and a neighbour promise chain keeps going. */
async function watched<T>(work: () => Promise<T>): Promise<{ result: T; maxLag: number; ticks: number; neighbour: number }> {
  let last = performance.now()
  let maxLag = 0
  let ticks = 0
  const iv = setInterval(() => {
    const now = performance.now()
    maxLag = Math.max(maxLag, now - last - 10)
    last = now
    ticks++
  }, 10)
  let neighbour = 0
  let running = true
  const chain = (async () => {
    while (running) {
      await new Promise((r) => setTimeout(r, 5))
      neighbour++
    }
  })()
  const t0 = performance.now()
  try {
    const result = await work()
    // the final stretch counts too
    maxLag = Math.max(maxLag, performance.now() - last - 10)
    return { result, maxLag, ticks, neighbour: performance.now() - t0 > 50 ? neighbour : -1 }
  } finally {
    running = false
    clearInterval(iv)
    await chain
  }
}

test('budget: nested loops yield to the event loop and are killed past the line budget', async () => {
  const { run, events } = shell()
  const words = Array.from({ length: 64 }, (_v, i) => i + 1).join(' ')
  const line = `for a in ${words}; do for b in ${words}; do for c in ${words}; do true; done; done; done`
  const w = await watched(() => run(line))
  assert.ok(w.maxLag < 100, `event loop stalled ${w.maxLag.toFixed(0)} ms`)
  assert.notEqual(w.neighbour, 0, 'the neighbour timer never fired')
  assert.deepEqual(w.result, { out: 'Killed\n', code: 137 })
  const ev = events.find(([t]) => t === 'command_budget_exceeded')
  assert.ok(ev, 'command_budget_exceeded emitted')
  assert.equal(ev[1].scope, 'line')
  assert.equal(ev[1].cmd, line)
  // the 4-level $(seq 64) line: killed too, the session goes on
  const w4 = await watched(() => run('for a in $(seq 64); do for b in $(seq 64); do for c in $(seq 64); do for d in $(seq 64); do true; done; done; done; done'))
  assert.ok(w4.maxLag < 100, `event loop stalled ${w4.maxLag.toFixed(0)} ms`)
  assert.equal(w4.result.code, 137)
  assert.deepEqual(await run('for i in $(seq 3); do echo $i; done; echo $?'), { out: '1\n2\n3\n0\n', code: 0 })
})

test('budget: a catastrophic grep pattern does not block the event loop', async () => {
  const { run } = shell()
  const w = await watched(() => run(`echo ${'a'.repeat(25)}! | grep -E '(a+)+$'; echo status=$?`))
  assert.ok(w.maxLag < 100, `event loop stalled ${w.maxLag.toFixed(0)} ms`)
  assert.equal(w.result.out, 'status=1\n')
  const w2 = await watched(() => run(`echo ${'a'.repeat(27)}! | egrep '(a|aa)+$'; echo ${'a'.repeat(27)} | grep '\\(a*\\)*$'`))
  assert.ok(w2.maxLag < 100, `event loop stalled ${w2.maxLag.toFixed(0)} ms`)
  assert.equal(w2.result.out, `${'a'.repeat(27)}\n`)
  // linear is not cheap: a pattern whose NFA is huge overruns the worker's deadline
  const { sh } = shell()
  sh.fs.writeFile('/tmp/big', Buffer.from('a'.repeat(64 * 1024) + '\n'), sh.user)
  let out3 = ''
  const w3 = await watched(() => runLine(sh, "grep -E '((.*a){30}){30}$' /tmp/big; echo status=$?", { out: (s) => (out3 += s), err: (s) => (out3 += s) }))
  assert.ok(w3.maxLag < 100, `event loop stalled ${w3.maxLag.toFixed(0)} ms`)
  assert.notEqual(w3.neighbour, 0)
  assert.equal(out3, 'grep: memory exhausted\nstatus=2\n')
  // grep's usual patterns still behave (BRE, ERE, -i, -v, -c, -F)
  assert.equal((await run("printf 'a+b\\nab\\nAB\\n' | grep 'a+b'")).out, 'a+b\n')
  assert.equal((await run("printf 'a+b\\nab\\naab\\n' | grep -E '^a+b$'")).out, 'ab\naab\n')
  assert.equal((await run("printf 'x1\\ny\\nX2\\n' | grep -ic 'x[0-9]'")).out, '2\n')
  assert.equal((await run("printf 'root\\nbin\\n' | grep -v 'ro\\{1,2\\}t'")).out, 'bin\n')
  assert.equal((await run("printf 'a.b\\naxb\\n' | grep -F a.b")).out, 'a.b\n')
})

test('transcript: a window-change flood stays under the cap, with the sentinel', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-tr-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const cap = 64 * 1024
  const tr = new Transcript(dir, 'S1', { width: 80, height: 24, term: 'xterm' }, new Date('2026-11-28T01:00:00Z'), { maxBytes: cap })
  const w = await watched(async () => {
    for (let i = 0; i < 20_000; i++) tr.resize(80 + (i % 100), 24)
    tr.output('after the flood')
    await tr.flush()
  })
  assert.ok(w.maxLag < 100, `event loop stalled ${w.maxLag.toFixed(0)} ms`)
  assert.ok(statSync(tr.file).size <= cap, `shard is ${statSync(tr.file).size} bytes`)
  assert.ok(tr.truncated)
  const lines = readFileSync(tr.file, 'utf8').trim().split('\n')
  assert.deepEqual(JSON.parse(lines[lines.length - 1] as string), { sid: 'S1', trunc: true })
  assert.equal(lines.filter((l) => l.includes('"trunc"')).length, 1)
  assert.ok(!readFileSync(tr.file, 'utf8').includes('after the flood'))
})

test('transcript: bytes are charged to a quota; a refusal stops the transcript', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-tr-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  let granted = 0
  const reserve = async (n: number) => {
    if (granted + n > 128 * 1024) return false
    granted += n
    return true
  }
  const tr = new Transcript(dir, 'S2', { width: 80, height: 24, term: 'xterm' }, new Date(), { reserve })
  for (let i = 0; i < 400; i++) {
    tr.output('x'.repeat(900))
    await new Promise((r) => setImmediate(r))
  }
  await tr.flush()
  assert.ok(tr.truncated)
  // only the sentinel may go past what was granted
  assert.ok(statSync(tr.file).size <= granted + 32, `${statSync(tr.file).size} > ${granted}`)
  const text = readFileSync(tr.file, 'utf8').trim().split('\n')
  assert.deepEqual(JSON.parse(text[text.length - 1] as string), { sid: 'S2', trunc: true })
})
