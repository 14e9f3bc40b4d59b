import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { PcapFormatError, PcapStreamReader, readCapture } from './pcap-reader.js'
import { LINKTYPE, type RawPacket } from './packet.js'
import { pcapFile, pcapngFile } from '../../../test/helpers/sniffer-synth.js'

interface Seen {
  tsUs: number
  linkType: number
  hex: string
  origLen: number
}
const collect = (bytes: Buffer): Seen[] => {
  const out: Seen[] = []
  readCapture(bytes, (p: RawPacket) => out.push({ tsUs: p.tsUs, linkType: p.linkType, hex: p.data.toString('hex'), origLen: p.origLen }))
  return out
}

const FRAMES = [
  { tsUs: 1_764_291_723_123_456, frame: Buffer.from('aabbcc', 'hex') },
  { tsUs: 1_764_291_723_999_999, frame: Buffer.from('0102030405', 'hex') },
  { tsUs: 1_764_291_724_000_001, frame: Buffer.alloc(0) },
]

for (const bigEndian of [false, true]) {
  for (const nanos of [false, true]) {
    test(`pcap: ${bigEndian ? 'big' : 'little'}-endian, ${nanos ? 'ns' : 'µs'} magic → µs timestamps and link type kept`, () => {
      const got = collect(pcapFile(FRAMES, LINKTYPE.LINUX_SLL2, { bigEndian, nanos }))
      assert.deepEqual(got, FRAMES.map((f) => ({ tsUs: f.tsUs, linkType: 276, hex: f.frame.toString('hex'), origLen: f.frame.length })))
    })
  }
}

for (const bigEndian of [false, true]) {
  test(`pcapng (${bigEndian ? 'big' : 'little'}-endian): per-interface link type and if_tsresol (µs, ns, default)`, () => {
    const file = pcapngFile(
      [{ linkType: LINKTYPE.ETHERNET, tsresol: 9 }, { linkType: LINKTYPE.RAW }, { linkType: LINKTYPE.LINUX_SLL, tsresol: 6 }],
      [
        { iface: 0, tsUs: FRAMES[0]!.tsUs, frame: FRAMES[0]!.frame },
        { iface: 1, tsUs: FRAMES[1]!.tsUs, frame: FRAMES[1]!.frame },
        { iface: 2, tsUs: FRAMES[2]!.tsUs, frame: Buffer.from('ff', 'hex') },
      ],
      { bigEndian },
    )
    assert.deepEqual(collect(file), [
      { tsUs: FRAMES[0]!.tsUs, linkType: 1, hex: 'aabbcc', origLen: 3 },
      { tsUs: FRAMES[1]!.tsUs, linkType: 101, hex: '0102030405', origLen: 5 },
      { tsUs: FRAMES[2]!.tsUs, linkType: 113, hex: 'ff', origLen: 1 },
    ])
  })
}

test('pcap/pcapng: any chunking of the stream yields the same packets', () => {
  const files = [pcapFile(FRAMES, 1), pcapngFile([{ linkType: 1, tsresol: 9 }], FRAMES.map((f) => ({ iface: 0, ...f })))]
  for (const file of files) {
    const whole = collect(file)
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: file.length }), { maxLength: 8 }), (cuts) => {
        const out: Seen[] = []
        const r = new PcapStreamReader((p) => out.push({ tsUs: p.tsUs, linkType: p.linkType, hex: p.data.toString('hex'), origLen: p.origLen }))
        const points = [...new Set(cuts)].sort((a, b) => a - b)
        let prev = 0
        for (const c of [...points, file.length]) {
          r.push(file.subarray(prev, c))
          prev = c
        }
        assert.equal(r.end().truncatedBytes, 0)
        assert.deepEqual(out, whole)
      }),
    )
  }
})

test('pcap: a file cut mid-record reports the trailing bytes; a bad magic is a one-line PCAP_INVALID error', () => {
  const file = pcapFile(FRAMES, 1)
  const r = new PcapStreamReader(() => {})
  r.push(file.subarray(0, file.length - 2))
  assert.equal(r.packets, 2)
  assert.equal(r.end().truncatedBytes, 14) // the last record (16-byte header, empty frame) cut to 14 bytes
  assert.throws(() => readCapture(Buffer.from('not a capture at all'), () => {}), (e: unknown) => e instanceof PcapFormatError && e.code === 'PCAP_INVALID')
  assert.throws(() => readCapture(Buffer.alloc(0), () => {}), /empty capture file/)
})

test('pcap reader: random bytes after a valid header never throw anything but PcapFormatError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (tail, ng) => {
      const head = ng ? pcapngFile([{ linkType: 1 }], []) : pcapFile([], 1)
      try {
        readCapture(Buffer.concat([head, Buffer.from(tail)]), () => {})
      } catch (e) {
        assert.ok(e instanceof PcapFormatError, String(e))
      }
    }),
    { numRuns: 500 },
  )
})
