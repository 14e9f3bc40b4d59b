import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { addressText, decodeTcp, ipv6Text, newSegment } from './decode.js'
import { LINKTYPE } from './capture/packet.js'
import { ethTcp, ipTcp, type TcpFrame } from '../../test/helpers/sniffer-synth.js'

const F: TcpFrame = { src: '10.0.0.5', dst: '192.168.1.20', sport: 51000, dport: 443, seq: 0xfffffff0, ack: 7, flags: 0x18, ttl: 51, payload: Buffer.from('hello') }
const F6: TcpFrame = { ...F, src: '2001:db8::5', dst: 'fe80::1:2', ttl: 60 }

function check(linkType: number, frame: Buffer, want: TcpFrame) {
  const seg = newSegment()
  assert.equal(decodeTcp(linkType, frame, seg), true)
  assert.deepEqual(
    [addressText(seg, 'src'), addressText(seg, 'dst'), seg.srcPort, seg.dstPort, seg.seq, seg.ack, seg.flags, seg.ttl, seg.data.toString('latin1', seg.payloadOff, seg.payloadEnd)],
    [want.src, want.dst, want.sport, want.dport, want.seq, want.ack, want.flags, want.ttl, want.payload?.toString('latin1')],
  )
}

test('decode: Ethernet, 802.1Q and QinQ tags, IPv4 and IPv6', () => {
  check(LINKTYPE.ETHERNET, ethTcp(F), F)
  check(LINKTYPE.ETHERNET, ethTcp({ ...F, vlans: [100] }), F)
  check(LINKTYPE.ETHERNET, ethTcp({ ...F, vlans: [100, 200] }), F)
  check(LINKTYPE.ETHERNET, ethTcp(F6), F6)
})

test('decode: Linux cooked v1 and v2, BSD loopback (both byte orders), raw IP', () => {
  const ip = ipTcp(F)
  const sll = Buffer.alloc(16)
  sll.writeUInt16BE(0x0800, 14)
  check(LINKTYPE.LINUX_SLL, Buffer.concat([sll, ip]), F)
  const sll2 = Buffer.alloc(20)
  sll2.writeUInt16BE(0x86dd, 0)
  check(LINKTYPE.LINUX_SLL2, Buffer.concat([sll2, ipTcp(F6)]), F6)
  check(LINKTYPE.NULL, Buffer.concat([Buffer.from([2, 0, 0, 0]), ip]), F)
  check(LINKTYPE.NULL, Buffer.concat([Buffer.from([0, 0, 0, 30]), ipTcp(F6)]), F6)
  check(LINKTYPE.LOOP, Buffer.concat([Buffer.from([0, 0, 0, 2]), ip]), F)
  for (const lt of [LINKTYPE.RAW, LINKTYPE.RAW_BSD_12, LINKTYPE.RAW_BSD_14, LINKTYPE.IPV4]) check(lt, ip, F)
  check(LINKTYPE.IPV6, ipTcp(F6), F6)
})

test('decode: IPv6 extension headers are skipped; fragments and non-TCP are refused', () => {
  const plain = ipTcp(F6)
  // hop-by-hop (8 bytes) then destination options (16 bytes) then TCP
  const hop = Buffer.from([60, 0, 1, 4, 0, 0, 0, 0])
  const dst = Buffer.from([6, 1, 1, 12, ...Array(12).fill(0)])
  const head = Buffer.from(plain.subarray(0, 40))
  head[6] = 0
  head.writeUInt16BE(plain.length - 40 + 24, 4)
  check(LINKTYPE.RAW, Buffer.concat([head, hop, dst, plain.subarray(40)]), F6)
  // a real fragment (offset 0, M=1)
  const frag = Buffer.from([6, 0, 0, 1, 0, 0, 0, 9])
  const fh = Buffer.from(head)
  fh[6] = 44
  fh.writeUInt16BE(plain.length - 40 + 8, 4)
  assert.equal(decodeTcp(LINKTYPE.RAW, Buffer.concat([fh, frag, plain.subarray(40)]), newSegment()), false)
  // IPv4 fragment (MF set)
  const v4 = ipTcp(F)
  v4[6] = 0x20
  assert.equal(decodeTcp(LINKTYPE.RAW, v4, newSegment()), false)
  const udp = ipTcp(F)
  udp[9] = 17
  assert.equal(decodeTcp(LINKTYPE.RAW, udp, newSegment()), false)
})

test('decode: Ethernet padding past the IP total length is not payload', () => {
  const f = { ...F, payload: Buffer.alloc(0) }
  const frame = Buffer.concat([ethTcp(f), Buffer.alloc(6)])
  const seg = newSegment()
  assert.equal(decodeTcp(LINKTYPE.ETHERNET, frame, seg), true)
  assert.equal(seg.payloadEnd - seg.payloadOff, 0)
})

test('decode: random and truncated frames never throw and never point outside the frame', () => {
  const real = ethTcp(F)
  for (let cut = 0; cut <= real.length; cut++) {
    const seg = newSegment()
    if (decodeTcp(LINKTYPE.ETHERNET, real.subarray(0, cut), seg)) assert.ok(seg.payloadEnd <= cut)
  }
  fc.assert(
    fc.property(fc.constantFrom(0, 1, 12, 101, 108, 113, 276, 228, 229, 999), fc.uint8Array({ maxLength: 120 }), (lt, bytes) => {
      const seg = newSegment()
      const b = Buffer.from(bytes)
      if (decodeTcp(lt, b, seg)) assert.ok(seg.payloadOff <= seg.payloadEnd && seg.payloadEnd <= b.length)
    }),
    { numRuns: 3000 },
  )
})

test('ipv6Text: RFC 5952 forms', () => {
  const t = (hex: string) => ipv6Text(Buffer.from(hex, 'hex'), 0)
  assert.equal(t('20010db8000000000000000000000001'), '2001:db8::1')
  assert.equal(t('00000000000000000000000000000001'), '::1')
  assert.equal(t('00000000000000000000000000000000'), '::')
  assert.equal(t('20010db8000100000001000000000001'), '2001:db8:1:0:1::1')
  assert.equal(t('00000000000000000000ffffc0a80001'), '::ffff:192.168.0.1')
})
