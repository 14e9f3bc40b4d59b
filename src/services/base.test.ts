// validateCfg coercion rules, resolveConfig defaults,
// CustomService fragments and command splitting.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BaseService, CustomService, ServiceConfigError, bool, int, manyOf, oneOf, password, splitCommand, text, textarea, type ConfigField } from './base.js'

class Probe extends BaseService {
  readonly name = 'probe'
  readonly ports = [1]
  override readonly configSchema: readonly ConfigField[] = [
    text('s', 'String', { default: 'dflt' }),
    password('p', 'Password'),
    textarea('t', 'Text'),
    int('i', 'Int', { default: 5 }),
    bool('b', 'Bool'),
    oneOf('e', 'Enum', ['one', 'two']),
    manyOf('m', 'Multi', ['a', 'b', 'c'], { default: ['a'] }),
  ]
}
const svc = new Probe()

/** The ServiceConfigError message for one raw value of one key. */
function errorOf(raw: Record<string, unknown>): string {
  try {
    svc.validateCfg(raw)
  } catch (e) {
    assert.ok(e instanceof ServiceConfigError)
    assert.equal(e.code, 'SERVICE_CONFIG_INVALID')
    assert.equal(e.key, Object.keys(raw)[0])
    return e.message
  }
  assert.fail(`no error for ${JSON.stringify(raw)}`)
}

test('validateCfg: null or empty input gives {}; undeclared, null and "" values are dropped', () => {
  assert.deepEqual(svc.validateCfg(null), {})
  assert.deepEqual(svc.validateCfg(undefined), {})
  assert.deepEqual(svc.validateCfg({}), {})
  assert.deepEqual(svc.validateCfg({ kernel_version: '5.4', s: '', p: null, i: undefined }), {})
  assert.deepEqual(svc.unknownKeys({ kernel_version: '5.4', s: 'x', users: 'a' }), ['kernel_version', 'users'])
})

test('validateCfg: string and password take anything as its string form', () => {
  assert.deepEqual(svc.validateCfg({ s: 42, p: true }), { s: '42', p: 'true' })
  assert.deepEqual(svc.validateCfg({ p: ' spaced pa$$ ' }), { p: ' spaced pa$$ ' })
})

test('validateCfg textarea: b64: payload is strictly decoded as UTF-8, raw text passes unchanged', () => {
  assert.deepEqual(svc.validateCfg({ t: 'b64:bGluZSAxCmxpbmUgMiDDqQ==' }), { t: 'line 1\nline 2 é' })
  assert.deepEqual(svc.validateCfg({ t: 'b64:' }), { t: '' })
  assert.deepEqual(svc.validateCfg({ t: 'plain\nb64: not a prefix' }), { t: 'plain\nb64: not a prefix' })
  assert.equal(errorOf({ t: 'b64:bGluZQ' }), 't: malformed b64: payload') // missing padding
  assert.equal(errorOf({ t: 'b64:bGlu*ZQ==' }), 't: malformed b64: payload') // outside the alphabet
  assert.equal(errorOf({ t: 'b64:bGlu ZQ==' }), 't: malformed b64: payload') // whitespace is garbage too
  assert.equal(errorOf({ t: 'b64:/w==' }), 't: malformed b64: payload') // 0xff is not UTF-8
})

test('validateCfg int: ints, bools, truncated floats, numeric strings with whitespace', () => {
  assert.deepEqual(svc.validateCfg({ i: 7 }), { i: 7 })
  assert.deepEqual(svc.validateCfg({ i: true }), { i: 1 })
  assert.deepEqual(svc.validateCfg({ i: false }), { i: 0 })
  assert.deepEqual(svc.validateCfg({ i: 3.9 }), { i: 3 })
  assert.deepEqual(svc.validateCfg({ i: -3.9 }), { i: -3 })
  assert.deepEqual(svc.validateCfg({ i: ' 42 ' }), { i: 42 })
  assert.deepEqual(svc.validateCfg({ i: '+8' }), { i: 8 })
  assert.deepEqual(svc.validateCfg({ i: '-17' }), { i: -17 })
  assert.equal(errorOf({ i: 'x' }), 'i: expected int, got "x"')
  assert.equal(errorOf({ i: '3.5' }), 'i: expected int, got "3.5"')
  assert.equal(errorOf({ i: '0x10' }), 'i: expected int, got "0x10"')
  assert.equal(errorOf({ i: Number.NaN }), 'i: expected int, got null')
})

test('validateCfg bool: real booleans and true/1/yes/on, false/0/no/off in any case; never numbers', () => {
  for (const v of [true, 'true', 'TRUE', '1', 'yes', 'Yes', 'on', ' On ']) assert.deepEqual(svc.validateCfg({ b: v }), { b: true }, String(v))
  for (const v of [false, 'false', 'False', '0', 'no', 'NO', 'off']) assert.deepEqual(svc.validateCfg({ b: v }), { b: false }, String(v))
  assert.match(errorOf({ b: 1 }), /^b: expected a boolean .*, got 1$/)
  assert.match(errorOf({ b: 0 }), /^b: expected a boolean .*, got 0$/)
  assert.match(errorOf({ b: 'maybe' }), /^b: expected a boolean .*, got "maybe"$/)
})

test('validateCfg enum: value must be one of the list', () => {
  assert.deepEqual(svc.validateCfg({ e: 'two' }), { e: 'two' })
  assert.equal(errorOf({ e: 'three' }), 'e: "three" is not one of one, two')
  assert.equal(errorOf({ e: 'One' }), 'e: "One" is not one of one, two')
})

test('validateCfg multi_enum: non-empty list, de-duplicated in first-seen order, every item allowed', () => {
  assert.deepEqual(svc.validateCfg({ m: ['c', 'a', 'c', 'a', 'b'] }), { m: ['c', 'a', 'b'] })
  assert.deepEqual(svc.validateCfg({ m: 'b, a , b' }), { m: ['b', 'a'] }) // INI comma list
  assert.equal(errorOf({ m: [] }), 'm: expected a non-empty list')
  assert.equal(errorOf({ m: ' , ' }), 'm: expected a non-empty list')
  assert.equal(errorOf({ m: ['a', 'z'] }), 'm: "z" is not one of a, b, c')
  assert.equal(errorOf({ m: 3 }), 'm: expected a list, got 3')
})

test('validateCfg reports the first bad key by name and returns new objects', () => {
  const raw = { s: 'x', i: '12' }
  const out = svc.validateCfg(raw)
  assert.notEqual(out, raw)
  assert.deepEqual(raw, { s: 'x', i: '12' })
})

test('resolveConfig applies schema defaults only to absent keys', () => {
  assert.deepEqual(svc.resolveConfig({}), { s: 'dflt', i: 5, m: ['a'] })
  assert.deepEqual(svc.resolveConfig({ s: 'mine', i: '9', m: '' }), { s: 'mine', i: 9, m: ['a'] })
})

test('CustomService: image as-is, hyphenated container name, quoted exec split, no build', () => {
  const c = new CustomService('my_app', 'registry.local/app:1.2', `/bin/app --motd "hello world" 'a b'`, [8080])
  assert.equal(c.dockerfileContext(), null)
  assert.deepEqual(c.composeFragment('decky-02', '10.0.0.1:514'), {
    image: 'registry.local/app:1.2',
    container_name: 'decky-02-my-app',
    restart: 'unless-stopped',
    environment: { NODE_NAME: 'decky-02', LOG_TARGET: '10.0.0.1:514' },
    command: ['/bin/app', '--motd', 'hello world', 'a b'],
  })
  assert.equal('command' in new CustomService('x', 'img', '', []).composeFragment('d'), false)
})

test('splitCommand: quotes, escapes, empty quoted words', () => {
  assert.deepEqual(splitCommand('  a   b  '), ['a', 'b'])
  assert.deepEqual(splitCommand(`sh -c "echo \\"hi\\" there"`), ['sh', '-c', 'echo "hi" there'])
  assert.deepEqual(splitCommand(`x '' y`), ['x', '', 'y'])
  assert.deepEqual(splitCommand('a\\ b'), ['a b'])
})
