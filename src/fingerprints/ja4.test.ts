// JA4 against the worked examples of the FoxIO specification
// (github.com/FoxIO-LLC/ja4/blob/main/technical_details/JA4.md) and FoxIO's
// test data for its sigalg-grease.pcapng capture,
// plus an independent re-computation on random hellos.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { alpnChars, ja4 } from './ja4.js'
import { parseClientHello } from '../sniffer/tls/hello.js'
import type { ClientHello } from './tls.js'
import { clientHelloBody, ext } from '../../test/helpers/sniffer-synth.js'

const hex = (s: string): number[] => s.split(',').map((x) => parseInt(x, 16))

function hello(over: Partial<ClientHello>): ClientHello {
  return {
    legacyVersion: 0x0303, sessionIdLength: 32, ciphers: [], extensions: [], groups: [], pointFormats: [], sigAlgs: [],
    supportedVersions: [], sni: undefined, alpn: [], ...over,
  }
}

// The spec's example client: TLS 1.3, SNI, ALPN h2, 15 ciphers, 16 extensions.
const FOXIO = hello({
  ciphers: hex('1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035'),
  extensions: hex('001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015'),
  sigAlgs: hex('0403,0804,0401,0503,0805,0501,0806,0601'),
  supportedVersions: [0x0304, 0x0303],
  sni: 'example.com',
  alpn: [Buffer.from('h2')],
})

test('ja4: the FoxIO worked example (ja4, ja4_r, ja4_o, ja4_ro)', () => {
  const r = ja4(FOXIO)
  assert.equal(r.ja4, 't13d1516h2_8daaf6152771_e5627efa2ab1')
  assert.equal(
    r.ja4_r,
    't13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601',
  )
  assert.equal(r.ja4_o, 't13d1516h2_acb858a92679_18f69afefd3d')
  assert.equal(
    r.ja4_ro,
    't13d1516h2_1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035_001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015_0403,0804,0401,0503,0805,0501,0806,0601',
  )
})

test('ja4: spec example without signature algorithms hashes the extension list alone (6d807ffa2a79)', () => {
  assert.equal(ja4({ ...FOXIO, sigAlgs: [] }).ja4.split('_')[2], '6d807ffa2a79')
})

test('ja4: GREASE is ignored in ciphers, extensions, versions and signature algorithms (FoxIO sigalg-grease capture)', () => {
  // Chrome hello of FoxIO's sigalg-grease.pcapng, with GREASE values put back where Chrome puts them.
  const h = hello({
    ciphers: [0x4a4a, ...hex('1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035')],
    extensions: [0x0a0a, ...hex('fe0d,0010,0017,0033,44cd,ff01,000a,000d,0023,002b,000b,ca34,002d,0000,0005,001b,0012'), 0x3a3a],
    sigAlgs: [0x1a1a, ...hex('0904,0905,0906,0403,0804,0401,0503,0805,0501,0806,0601')],
    supportedVersions: [0x7a7a, 0x0304, 0x0303],
    sni: 'optimizationguide-pa.googleapis.com',
    alpn: [Buffer.from('h2'), Buffer.from('http/1.1')],
  })
  const r = ja4(h)
  assert.equal(r.ja4, 't13d1517h2_8daaf6152771_cb7bf5808d99')
  assert.equal(r.ja4_o, 't13d1517h2_acb858a92679_88bf22a3e888')
  assert.equal(
    r.ja4_r,
    't13d1517h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0017,001b,0023,002b,002d,0033,44cd,ca34,fe0d,ff01_0904,0905,0906,0403,0804,0401,0503,0805,0501,0806,0601',
  )
})

test('ja4: ALPN characters follow the spec, including the hex rule for non-alphanumeric bytes', () => {
  assert.equal(alpnChars(Buffer.from('h2')), 'h2')
  assert.equal(alpnChars(Buffer.from('http/1.1')), 'h1')
  assert.equal(alpnChars(Buffer.from('h')), 'hh')
  assert.equal(alpnChars(undefined), '00')
  assert.equal(alpnChars(Buffer.alloc(0)), '00')
  // the spec's examples
  assert.equal(alpnChars(Buffer.from([0xab])), 'ab')
  assert.equal(alpnChars(Buffer.from([0xab, 0xcd])), 'ad')
  assert.equal(alpnChars(Buffer.from([0x30, 0xab])), '3b')
  assert.equal(alpnChars(Buffer.from([0x30, 0x31, 0xab, 0xcd])), '3d')
  assert.equal(alpnChars(Buffer.from([0x30, 0xab, 0xcd, 0x31])), '01')
})

test('ja4: no SNI → "i", no ciphers / no extensions → 000000000000, versions map, counts cap at 99', () => {
  const r = ja4(hello({ legacyVersion: 0x0301 }))
  assert.equal(r.ja4, 't10i000000_000000000000_000000000000')
  assert.equal(ja4(hello({ legacyVersion: 0x0300 })).ja4.slice(0, 3), 'ts3')
  assert.equal(ja4(hello({ legacyVersion: 0x0002 })).ja4.slice(0, 3), 'ts2')
  assert.equal(ja4(hello({ legacyVersion: 0x0200 })).ja4.slice(0, 3), 't00')
  assert.equal(ja4(hello({ legacyVersion: 0xfefd })).ja4.slice(0, 3), 'td2')
  const many = Array.from({ length: 120 }, (_, i) => i + 1)
  assert.equal(ja4(hello({ ciphers: many })).ja4.slice(4, 6), '99')
  // only SNI and ALPN: extensions counted, but the hashed list is empty
  const onlySni = ja4(hello({ extensions: [0, 16], sni: 'a', alpn: [Buffer.from('h2')] }))
  assert.equal(onlySni.ja4, 't12d0002h2_000000000000_000000000000')
  // SNI flag follows the extension's presence even when the name is empty
  assert.equal(ja4(hello({ extensions: [0] })).ja4[3], 'd')
})

// An independent JA4 written from the spec text, compared on random hellos.
function referenceJa4(h: ClientHello): string {
  const grease = (v: number) => v % 256 === Math.floor(v / 256) && v % 16 === 10
  const h4 = (v: number) => ('000' + v.toString(16)).slice(-4)
  const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex').substring(0, 12)
  const c = h.ciphers.filter((v) => !grease(v))
  const e = h.extensions.filter((v) => !grease(v))
  const vs = h.supportedVersions.filter((v) => !grease(v))
  const ver = vs.length ? Math.max(...vs) : h.legacyVersion
  const vmap = new Map([[0x0304, '13'], [0x0303, '12'], [0x0302, '11'], [0x0301, '10'], [0x0300, 's3'], [0x0002, 's2'], [0xfeff, 'd1'], [0xfefd, 'd2'], [0xfefc, 'd3']])
  let alpn = '00'
  const first = h.alpn[0]
  if (first && first.length > 0) {
    const isAn = (b: number) => /[0-9A-Za-z]/.test(String.fromCharCode(b))
    const a = first[0]!
    const z = first[first.length - 1]!
    alpn = isAn(a) && isAn(z) ? String.fromCharCode(a) + String.fromCharCode(z) : (() => { const x = first.toString('hex'); return x.charAt(0) + x.charAt(x.length - 1) })()
  }
  const two = (n: number) => (n > 99 ? '99' : n < 10 ? '0' + n : String(n))
  const part1 = 't' + (vmap.get(ver) ?? '00') + (e.includes(0) ? 'd' : 'i') + two(c.length) + two(e.length) + alpn
  const cs = c.map(h4).sort()
  const es = e.filter((v) => v !== 0 && v !== 16).map(h4).sort()
  const sigs = h.sigAlgs.filter((v) => !grease(v)).map(h4)
  const part2 = cs.length ? sha(cs.join(',')) : '000000000000'
  const part3 = es.length ? sha(es.join(',') + (sigs.length ? '_' + sigs.join(',') : '')) : '000000000000'
  return `${part1}_${part2}_${part3}`
}

test('ja4: equals an independent computation on random ClientHellos (parsed from wire bytes)', () => {
  const u16 = fc.integer({ min: 0, max: 0xffff })
  const greaseOr = fc.oneof(u16, fc.constantFrom(0x0a0a, 0x1a1a, 0xfafa))
  fc.assert(
    fc.property(
      fc.uniqueArray(greaseOr, { maxLength: 40 }),
      fc.uniqueArray(fc.integer({ min: 17, max: 0xfffe }).filter((v) => ![43, 13, 10, 11].includes(v)), { maxLength: 20 }),
      fc.array(greaseOr, { maxLength: 12 }),
      fc.boolean(),
      fc.option(fc.uint8Array({ minLength: 0, maxLength: 8 }), { nil: undefined }),
      fc.constantFrom<number[]>([], [0x0304], [0x0303, 0x0304, 0x2a2a]),
      (ciphers, others, sigs, sni, alpn, versions) => {
        const exts = others.map((type) => ({ type }))
        if (sni) exts.push(ext.sni('x.example'))
        if (alpn) exts.push(ext.alpn([Buffer.from(alpn)]))
        if (sigs.length) exts.push(ext.sigAlgs(sigs))
        if (versions.length) exts.push(ext.versions(versions))
        const parsed = parseClientHello(clientHelloBody({ ciphers, extensions: exts }))
        assert.ok(parsed)
        assert.equal(ja4(parsed).ja4, referenceJa4(parsed))
      },
    ),
    { numRuns: 300 },
  )
})
