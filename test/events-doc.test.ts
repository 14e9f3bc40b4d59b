// docs/events.md against the source, structurally.
//
// (a) Every event type in the catalogue's tables (the first column of each
//     section: "## ssh (`src/honeypots/ssh/`…)" and so on) occurs as a string
//     literal `'type'` in the non-test source of that section's directories,
//     the runtime (src/runtime: connect, tls_handshake, artifact…) or the
//     shared emulator code (src/honeypots/shared).
// (b) docs/events.md "Peer fields": "Every event about a connection carries
//     `src_ip` **and** `src_port` (added by `Session.emit` …)". For the emulator
//     sections, every `.emit(` call in their directories and in
//     src/honeypots/shared goes through a runtime Session or Datagram (whose
//     emit adds both fields, src/runtime/listeners.ts), or through a hook
//     (`hooks.emit`, a shell host's `emit`, ftp's data-channel `io.emit`) whose
//     every definition there forwards to one; none calls the raw event log
//     (`ctx.events.emit`), which adds nothing.
// Limits, on purpose: (a) proves a literal exists, not that this code path emits
// it with the documented fields; (b) recognises receivers by name (the names
// the emulators use for Session/Datagram objects today), so a new name fails
// here until it is added, rather than being trusted. What the runtime adds is
// checked at run time by test/hostile-input.test.ts (every type garbage
// produces) and by the per-emulator tests (src_ip/src_port of their captures).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from './helpers/readme-command.js'

interface Section { title: string; line: number; dirs: string[]; types: { type: string; line: number }[]; inTypeTable: boolean }

function sections(): Section[] {
  const out: Section[] = []
  let cur: Section | undefined
  readFileSync(join(REPO_ROOT, 'docs', 'events.md'), 'utf8').split('\n').forEach((text, i) => {
    if (text.startsWith('## ')) {
      const dirs = [...text.matchAll(/`(src\/[^`]+?)\/?`/g)].map((m) => m[1] ?? '').filter((d) => statSync(join(REPO_ROOT, d)).isDirectory())
      cur = dirs.length ? { title: text.slice(3), line: i + 1, dirs, types: [], inTypeTable: false } : undefined
      if (cur) out.push(cur)
      return
    }
    const first = /^\| ([^|]+) \|/.exec(text)?.[1]
    if (!cur || !first) return
    // only tables whose first column is `type` (not "What becomes a row")
    if (/^[a-z]/.test(first) && text.startsWith(`| ${first} |`) && /^\| (type|row) \|/.test(text)) return void (cur.inTypeTable = first === 'type')
    if (/^---/.test(first) || !cur.inTypeTable) return
    for (const m of first.matchAll(/`([a-z0-9_]+)`/g)) cur.types.push({ type: m[1] ?? '', line: i + 1 })
  })
  return out
}

function sources(dir: string): { path: string; text: string }[] {
  const abs = join(REPO_ROOT, dir)
  const out: { path: string; text: string }[] = []
  for (const name of readdirSync(abs)) {
    const p = join(abs, name)
    if (statSync(p).isDirectory()) out.push(...sources(join(dir, name)))
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push({ path: join(dir, name), text: readFileSync(p, 'utf8') })
  }
  return out
}

const COMMON = ['src/runtime', 'src/honeypots/shared']
/** Names the emulators give runtime Session / Datagram objects (their emit adds src_ip and src_port). */
const SESSION = new Set(['s', 'session', 'd', 'c.s', 'this.#c.s', 'this.s', 'this.session', 't.d'])
/** Hooks whose definitions must forward to a SESSION receiver. */
const HOOKS = new Set(['this.hooks', 'hooks', 'c.sh.host', 'this.sh.host', 'sh.host', 'host', 'this.io', 'io'])

test('docs/events.md: the catalogue parses into sections with event types', () => {
  const all = sections()
  const titles = all.map((s) => s.title.split(' ')[0])
  for (const want of ['Runtime', 'http', 'ssh', 'smb', 'rdp', 'pop3', 'ftp', 'tftp', 'sniffer']) assert.ok(titles.includes(want), `no section ${want}: ${titles.join(', ')}`)
  for (const s of all) assert.ok(s.types.length > 0, `docs/events.md:${s.line} ${s.title}: no types parsed`)
})

test('docs/events.md: every documented event type is a literal in its section\'s source (or the runtime\'s)', () => {
  const missing: string[] = []
  for (const s of sections()) {
    // the runtime's table also lists what emulators emit through runtime helpers (resource_refused from the memory budget)
    const dirs = [...s.dirs, ...COMMON, ...(s.dirs.includes('src/runtime') ? ['src/honeypots'] : [])]
    const text = [...new Set(dirs)].flatMap(sources).map((f) => f.text).join('\n')
    for (const { type, line } of s.types) if (!text.includes(`'${type}'`)) missing.push(`docs/events.md:${line} ${type} (${s.dirs.join(', ')})`)
  }
  assert.deepEqual(missing, [])
})

test('docs/events.md "Every event about a connection carries src_ip and src_port": emulators emit only through a Session/Datagram', () => {
  const emulatorDirs = sections().flatMap((s) => s.dirs).filter((d) => d.startsWith('src/honeypots/'))
  assert.ok(emulatorDirs.length >= 7, emulatorDirs.join(', '))
  const bad: string[] = []
  let calls = 0
  for (const f of [...new Set([...emulatorDirs, 'src/honeypots/shared'])].flatMap(sources)) {
    f.text.split('\n').forEach((line, i) => {
      if (/^\s*(\/\/|\/?\*)/.test(line)) return
      for (const m of line.matchAll(/([A-Za-z_$#][\w$#.]*)\.emit\(/g)) {
        calls++
        const recv = m[1] ?? ''
        if (!SESSION.has(recv) && !HOOKS.has(recv)) bad.push(`${f.path}:${i + 1} emits through \`${recv}\`: ${line.trim()}`)
      }
      // a hook definition: emit: (…) => X.emit(…)
      const def = /\bemit: \([^)]*\) => ([\w$#.]+)\.emit\(/.exec(line)
      if (def && !SESSION.has(def[1] ?? '')) bad.push(`${f.path}:${i + 1} a hook forwards to \`${def[1]}\`: ${line.trim()}`)
      if (/\bemit: (?!\([^)]*\) => [\w$#.]+\.emit\()/.test(line)) bad.push(`${f.path}:${i + 1} a hook that does not forward to a session: ${line.trim()}`)
    })
  }
  assert.ok(calls > 100, `only ${calls} emit calls found: the scan is broken`)
  assert.deepEqual(bad, [])
})
