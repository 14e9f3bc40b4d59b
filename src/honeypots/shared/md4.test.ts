import { test } from 'node:test'
import assert from 'node:assert/strict'
import { md4, ntHash, Rc4 } from './md4.js'

test('md4: RFC 1320 A.5 test suite', () => {
  const cases: [string, string][] = [
    ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
    ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
    ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
    ['message digest', 'd9130a8164549fe818874806e1c7014b'],
    ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
    ['12345678901234567890123456789012345678901234567890123456789012345678901234567890', 'e33b4ddc9c38f2199c3e7b164fcc0536'],
  ]
  for (const [input, hex] of cases) assert.equal(md4(Buffer.from(input)).toString('hex'), hex, input)
})

test('ntHash: MS-NLMP 4.2.2.1.2 NTOWFv1("Password")', () => {
  assert.equal(ntHash('Password').toString('hex'), 'a4f49c406510bdcab6824ee7c30fd852')
})

test('rc4: known vector and stream state across calls', () => {
  assert.equal(new Rc4(Buffer.from('Key')).update(Buffer.from('Plaintext')).toString('hex'), 'bbf316e8d940af0ad3')
  const r = new Rc4(Buffer.from('Key'))
  assert.equal(Buffer.concat([r.update(Buffer.from('Plain')), r.update(Buffer.from('text'))]).toString('hex'), 'bbf316e8d940af0ad3')
})
