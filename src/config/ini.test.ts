import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { ConfigError } from '../errors.js'
import { MAX_INI_BYTES, parseIni, readIniFile, type IniDocument } from './ini.js'

const F = 'fleet.ini'
const values = (doc: IniDocument, section: string): Record<string, string> => {
  const s = doc.sections.find((x) => x.name === section)
  assert.ok(s, `section ${section}`)
  return Object.fromEntries([...s.values].map(([k, v]) => [k, v.value]))
}
const errorOf = (text: string): string => {
  try {
    parseIni(text, F)
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`)
    assert.ok(!e.message.includes('\n'), 'one line')
    return e.message
  }
  assert.fail('expected a ConfigError')
}

test('ini: delimiters, case of names, comments, inline ; and # kept', () => {
  const doc = parseIni(
    ['# top comment', '[decky-01.ssh]', 'Password = p;ss # not a comment', 'USER: root', '; full-line comment', '  # indented comment', 'url = http://x:8080/a=b', '[Web]', 'k=v'].join('\n'),
    F,
  )
  assert.deepEqual(doc.sections.map((s) => s.name), ['decky-01.ssh', 'Web'])
  assert.deepEqual(values(doc, 'decky-01.ssh'), { password: 'p;ss # not a comment', user: 'root', url: 'http://x:8080/a=b' })
  assert.deepEqual(values(doc, 'Web'), { k: 'v' })
})

test('ini: the first of = and : splits key and value; empty value allowed', () => {
  const doc = parseIni('[a]\nx: y = z\np = q: r\nempty =\n', F)
  assert.deepEqual(values(doc, 'a'), { x: 'y = z', p: 'q: r', empty: '' })
})

test('ini: continuation lines, kept empty lines, comments inside a value, trailing blanks dropped', () => {
  const doc = parseIni(['[a]', 'body = line1', '  line2', '', '  line4', '  # a comment line is skipped', '  line5', '', '', 'next = 1'].join('\n'), F)
  assert.deepEqual(values(doc, 'a'), { body: 'line1\nline2\n\nline4\nline5', next: '1' })
})

test('ini: an indented [x] right after an option continues it (configparser order)', () => {
  const doc = parseIni('[a]\nk = v\n  [b]\n', F)
  assert.deepEqual(doc.sections.map((s) => s.name), ['a'])
  assert.equal(values(doc, 'a').k, 'v\n[b]')
})

test('ini: section header spans first [ to last ], trailing text ignored', () => {
  const doc = parseIni('[a]b] tail\nk=1\n', F)
  assert.deepEqual(doc.sections.map((s) => s.name), ['a]b'])
})

test('ini: [DEFAULT] keys are inherited, own keys win, lines and inherited flag kept', () => {
  const doc = parseIni('[DEFAULT]\nnmap_os = linux\nservices = ssh\n\n[a]\nservices = http\n[b]\n', F)
  const a = doc.sections[0]
  const b = doc.sections[1]
  assert.deepEqual(values(doc, 'a'), { services: 'http', nmap_os: 'linux' })
  assert.deepEqual(values(doc, 'b'), { nmap_os: 'linux', services: 'ssh' })
  assert.deepEqual(a?.values.get('services'), { value: 'http', line: 6, inherited: false })
  assert.deepEqual(b?.values.get('nmap_os'), { value: 'linux', line: 2, inherited: true })
  assert.equal(b?.line, 7)
  assert.deepEqual([...doc.defaults.keys()], ['nmap_os', 'services'])
})

test('ini: %(name)s from the section then [DEFAULT], recursive; %% is %; other % literal', () => {
  const doc = parseIni(
    ['[DEFAULT]', 'domain = corp.local', 'pw = %(base)s!', '[a]', 'base = Spring%(year)s', 'year = 2025', 'host = web.%(Domain)s', 'pass = 100%secure', 'pct = 50%%', 'odd = %(unclosed', 'lone = %', 'empty = %()s'].join('\n'),
    F,
  )
  assert.deepEqual(values(doc, 'a'), {
    base: 'Spring2025',
    year: '2025',
    host: 'web.corp.local',
    pass: '100%secure',
    pct: '50%',
    odd: '%(unclosed',
    lone: '%',
    empty: '%()s',
    domain: 'corp.local',
    pw: 'Spring2025!',
  })
})

test('ini: CRLF and lone CR are normalised; BOM dropped', () => {
  const doc = parseIni('\uFEFF[a]\r\nk = v\r\n  more\rj = w\r', F)
  assert.deepEqual(values(doc, 'a'), { k: 'v\nmore', j: 'w' })
  assert.equal(doc.sections[0]?.values.get('j')?.line, 4)
})

test('ini: each error is one line naming file, line, section and key', () => {
  assert.equal(errorOf('k = v\n'), `${F}:1: line before any [section] header: "k = v"`)
  assert.equal(errorOf('[a]\nk = 1\n\n[b]\n[a]\n'), `${F}:5: [a] duplicate section (first at line 1)`)
  assert.equal(errorOf('[a]\nPort = 1\nport = 2\n'), `${F}:3: [a] port: duplicate option (first at line 2)`)
  assert.equal(errorOf('[a]\njust words\n'), `${F}:2: [a] expected 'key = value', '[section]' or a comment, got "just words"`)
  assert.equal(errorOf('[a]\n= v\n'), `${F}:2: [a] empty option name in "= v"`)
  assert.equal(errorOf('[a]\nx = %(nope)s\n'), `${F}:2: [a] x: %(nope)s refers to an option that does not exist in this section or [DEFAULT]`)
  assert.equal(errorOf('[a]\nx = %(y)s\ny = %(x)s\n'), `${F}:2: [a] x: interpolation deeper than 10 levels (a %(name)s loop?)`)
  assert.equal(errorOf('[]\n'), `${F}:1: line before any [section] header: "[]"`)
  // an interpolation error in an inherited key names the section it surfaced in and the DEFAULT line
  assert.equal(errorOf('[DEFAULT]\nx = %(y)s\n[a]\n'), `${F}:2: [a] x: %(y)s refers to an option that does not exist in this section or [DEFAULT]`)
})

test('ini: long bad lines are cut in the message', () => {
  const msg = errorOf(`[a]\n${'x'.repeat(500)}\n`)
  assert.ok(msg.length < 200, msg)
  assert.match(msg, /^fleet\.ini:2: \[a\] expected .*x…"$/)
})

test('ini: size cap (512 KiB) from text and from a file', (t) => {
  const big = '[a]\n' + `k = ${'v'.repeat(MAX_INI_BYTES)}\n`
  assert.equal(errorOf(big), `${F}: INI content is too large (max 512 KiB)`)
  const dir = mkdtempSync(join(tmpdir(), 'ini-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'big.ini')
  writeFileSync(path, big)
  assert.throws(() => readIniFile(path), { name: 'ConfigError', message: `${path}: INI content is too large (max 512 KiB)` })
})

test('ini: readIniFile names the file; missing file and bad UTF-8 are ConfigErrors', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ini-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const ok = join(dir, 'ok.ini')
  writeFileSync(ok, '[a]\nk = v\n[a]\n')
  assert.throws(() => readIniFile(ok), { name: 'ConfigError', message: `${ok}:3: [a] duplicate section (first at line 1)` })
  assert.throws(() => readIniFile(join(dir, 'missing.ini')), { name: 'ConfigError', message: `${join(dir, 'missing.ini')}: no such file` })
  const bad = join(dir, 'bad.ini')
  writeFileSync(bad, Buffer.from([0x5b, 0x61, 0x5d, 0x0a, 0xff, 0xfe]))
  assert.throws(() => readIniFile(bad), { name: 'ConfigError', message: `${bad}: not valid UTF-8` })
})

test('ini: interpolation blow-up is bounded', () => {
  const lines = ['[a]', 'v0 = ' + 'x'.repeat(4096)]
  for (let i = 1; i <= 9; i++) lines.push(`v${i} = %(v${i - 1})s%(v${i - 1})s%(v${i - 1})s%(v${i - 1})s`)
  assert.match(errorOf(lines.join('\n')), /^fleet\.ini:\d+: \[a\] v\d: interpolated value longer than 512 KiB$/)
})

test('ini: random garbage never throws anything but a one-line ConfigError', () => {
  const piece = fc.oneof(
    fc.string(),
    fc.constantFrom('[', ']', '[a]', '[DEFAULT]', '=', ':', '%', '%(', '%(a)s', '%%', '\n', '\r', '\r\n', '  ', '\t', '#', ';', 'a = b', '\uFEFF', '\u2028', '\0'),
  )
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
      try {
        parseIni(parts.join(''), F)
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e
        if (e.message.includes('\n') || e.message.includes('\r')) throw new Error(`multi-line error: ${JSON.stringify(e.message)}`)
        if (!e.message.startsWith(`${F}`)) throw new Error(`error does not name the file: ${e.message}`)
      }
    }),
    { numRuns: 3000 },
  )
})
