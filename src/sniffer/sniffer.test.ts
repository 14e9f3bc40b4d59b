// The whole pipeline on synthetic captures: reassembly across segments and
// records, out-of-order and retransmitted segments, SSH, dedup, limits, fuzz.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import type { DecnetEvent } from '../events/event.js'
import { Sniffer, type SnifferOptions } from './sniffer.js'
import { readCapture } from './capture/pcap-reader.js'
import { LINKTYPE, type RawPacket } from './capture/packet.js'
import { parseClientHello } from './tls/hello.js'
import { ja3 } from '../fingerprints/ja3.js'
import { ja4 } from '../fingerprints/ja4.js'
import {
  clientHelloBody, conversation, ethTcp, ext, handshake, kexinitPacket, pcapFile, records, serverHelloBody, split,
  type Conversation,
} from '../../test/helpers/sniffer-synth.js'

const X25519MLKEM768 = 0x11ec
const PQ_HELLO = clientHelloBody({
  sessionId: Buffer.alloc(32, 7),
  ciphers: [0x2a2a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f],
  extensions: [
    { type: 0x3a3a },
    ext.sni('portal.example.org'),
    ext.alpn(['h2', 'http/1.1']),
    ext.groups([0x2a2a, X25519MLKEM768, 0x001d, 0x0017]),
    ext.pointFormats([0]),
    ext.sigAlgs([0x0403, 0x0804, 0x0401]),
    ext.versions([0x2a2a, 0x0304, 0x0303]),
    ext.keyShare(X25519MLKEM768, 1216),
    { type: 0x0017 },
    { type: 0x002d, data: Buffer.from([1, 1]) },
  ],
})
const SERVER_HELLO = records(handshake(2, serverHelloBody(0x0303, 0x1301, [{ type: 0x002b, data: Buffer.from([3, 4]) }, { type: 0x0033, data: Buffer.alloc(36) }])))

function run(frames: { tsUs: number; frame: Buffer }[], opts: Partial<SnifferOptions> = {}, linkType: number = LINKTYPE.ETHERNET) {
  const events: DecnetEvent[] = []
  const s = new Sniffer({ sink: { write: (e) => events.push(e) }, ...opts })
  readCapture(pcapFile(frames, linkType), (p: RawPacket) => s.handle(p))
  s.flush()
  return { events, stats: s.stats, of: (t: string) => events.filter((e) => e.type === t) }
}

const base: Conversation = {
  client: '203.0.113.9', server: '10.1.0.21', cport: 50123, sport: 443, clientSegments: [], serverSegments: [], startUs: 1_700_000_000_000_000,
  stepUs: 1000, clientTtl: 117, serverTtl: 64,
}
const deckies = new Map([['10.1.0.21', 'web-01'], ['10.1.0.22', 'web-02'], ['2001:db8::21', 'web-06']])
const resolveDecky = (ip: string) => deckies.get(ip)

test('sniffer: a post-quantum ClientHello over 3 records and 8 segments, reordered and retransmitted, is fingerprinted once', () => {
  const wire = records(handshake(1, PQ_HELLO), 700)
  assert.ok(wire.length > 1400, `hello is ${wire.length} bytes`)
  const clientSegments = split(wire, 200)
  assert.equal(clientSegments.length, 8)
  const frames = conversation({ ...base, clientSegments, serverSegments: [SERVER_HELLO] })
  // frames: SYN, SYN-ACK, ACK, 8 client segments, server hello, FIN. Reverse the client segments, repeat two.
  const segs = frames.slice(3, 3 + 8)
  const shuffled = [...segs].reverse()
  shuffled.splice(4, 0, segs[0]!, segs[5]!)
  const reordered = [...frames.slice(0, 3), ...shuffled.map((f, i) => ({ ...f, tsUs: frames[3]!.tsUs + i })), ...frames.slice(11)]
  const { of, stats } = run(reordered, { resolveDecky })
  assert.equal(stats.errors, 0)
  const hellos = of('tls_client_hello')
  assert.equal(hellos.length, 1)
  const ev = hellos[0]!
  const expected = parseClientHello(PQ_HELLO)!
  assert.equal(ev.decky, 'web-01')
  assert.equal(ev.service, 'sniffer')
  assert.equal(ev.fields.src_ip, '203.0.113.9')
  assert.equal(ev.fields.src_port, '50123')
  assert.equal(ev.fields.dst_ip, '10.1.0.21')
  assert.equal(ev.fields.dst_port, '443')
  assert.equal(ev.fields.ja4, ja4(expected).ja4)
  assert.match(ev.fields.ja4!, /^t13d0509h2_/)
  assert.equal(ev.fields.ja3, ja3(expected).ja3)
  assert.equal(ev.fields.ja3_full, '771,4865-4866-4867-49195-49199,0-16-10-11-13-43-51-23-45,4588-29-23,0')
  assert.equal(ev.fields.sni, 'portal.example.org')
  assert.equal(ev.fields.alpn, 'h2,http/1.1')
  assert.equal(ev.fields.tls_version, 'TLS 1.3')
  assert.equal(ev.fields.raw_ciphers, '10794-4865-4866-4867-49195-49199')
  // JA4L: SYN at t, SYN-ACK at t+1000, ACK at t+2000 → (2000-1000)/2 and (1000-0)/2
  assert.equal(ev.fields.ja4l, '500_117')
  assert.equal(ev.fields.ja4ls, '500_64')
  assert.equal(ev.fields.count, '1')
  assert.equal(ev.time, '2023-11-14T22:13:20.003008+00:00') // the segment that completed it (s1, 9th in the reordered list)
  const sh = of('tls_server_hello')
  assert.equal(sh.length, 1)
  assert.match(sh[0]!.fields.ja4s!, /^t130200_1301_/)
  assert.equal(sh[0]!.fields.ja3s_full, '771,4865,43-51')
  assert.equal(sh[0]!.fields.client_ja4, ev.fields.ja4)
  assert.equal(sh[0]!.fields.ja4, undefined)
  assert.equal(stats.flowsActive, 0)
})

test('sniffer: IPv6 over 802.1Q, mid-stream pickup without a SYN, Linux cooked capture', () => {
  const wire = records(handshake(1, PQ_HELLO))
  const v6 = conversation({ ...base, client: '2001:db8:ff::9', server: '2001:db8::21', clientSegments: split(wire, 1000), serverSegments: [] }, (f) => ethTcp({ ...f, vlans: [12, 34] }))
  const a = run(v6, { resolveDecky })
  assert.deepEqual(a.of('tls_client_hello').map((e) => [e.decky, e.fields.src_ip, e.fields.dst_ip]), [['web-06', '2001:db8:ff::9', '2001:db8::21']])
  // the same connection without its handshake packets: picked up from the ClientHello
  const b = run(conversation({ ...base, clientSegments: split(wire, 1000) }).slice(3), { resolveDecky })
  assert.equal(b.of('tls_client_hello')[0]?.fields.ja4, ja4(parseClientHello(PQ_HELLO)!).ja4)
  assert.equal(b.of('tls_client_hello')[0]?.fields.ja4l, undefined)
})

const KEX_CLIENT = {
  kex: 'curve25519-sha256,ecdh-sha2-nistp256,ext-info-c', hostKey: 'ssh-ed25519,rsa-sha2-512',
  enc: ['aes128-ctr,aes256-gcm@openssh.com', 'aes256-ctr'] as [string, string], mac: ['hmac-sha2-256', 'hmac-sha1'] as [string, string], comp: ['none,zlib@openssh.com', 'none'] as [string, string],
}
const KEX_SERVER = { ...KEX_CLIENT, kex: 'curve25519-sha256,kex-strict-s-v00@openssh.com', enc: ['chacha20-poly1305@openssh.com', 'aes128-ctr'] as [string, string], mac: ['umac-64@openssh.com', 'hmac-sha2-512'] as [string, string] }

test('sniffer: SSH banners and KEXINITs → ssh_client_banner, HASSH and HASSHServer', () => {
  const md5 = (s: string) => createHash('md5').update(s).digest('hex')
  const client = Buffer.concat([Buffer.from('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'), kexinitPacket(KEX_CLIENT)])
  const server = Buffer.concat([Buffer.from('SSH-2.0-OpenSSH_8.4\r\n'), kexinitPacket(KEX_SERVER)])
  const frames = conversation({ ...base, sport: 22, clientSegments: split(client, 37), serverSegments: split(server, 100) })
  const { of, stats } = run(frames, { resolveDecky })
  assert.equal(stats.errors, 0)
  assert.deepEqual(
    of('ssh_client_banner').map((e) => [e.decky, e.fields.ssh_version, e.fields.src_ip, e.fields.tool, e.fields.ja4l]),
    [['web-01', 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3', '203.0.113.9', 'openssh', '500_117']],
  )
  const algos = 'curve25519-sha256,ecdh-sha2-nistp256,ext-info-c;aes128-ctr,aes256-gcm@openssh.com;hmac-sha2-256;none,zlib@openssh.com'
  const kex = of('ssh_client_kex')
  assert.equal(kex.length, 1)
  assert.equal(kex[0]!.fields.hassh_algorithms, algos)
  assert.equal(kex[0]!.fields.hassh, md5(algos))
  const srv = of('ssh_server_kex')
  assert.equal(srv[0]!.fields.hassh_server_algorithms, 'curve25519-sha256,kex-strict-s-v00@openssh.com;aes128-ctr;hmac-sha2-512;none')
  assert.equal(srv[0]!.fields.ssh_server_version, 'SSH-2.0-OpenSSH_8.4')
  assert.equal(srv[0]!.fields.src_ip, '203.0.113.9') // oriented client → server
})

test('sniffer: repeats from one source to one decky are counted, other deckies are separate', () => {
  const wire = records(handshake(1, PQ_HELLO))
  const frames: { tsUs: number; frame: Buffer }[] = []
  for (let i = 0; i < 5; i++) frames.push(...conversation({ ...base, cport: 40000 + i, startUs: base.startUs + i * 1e6, clientSegments: [wire] }))
  frames.push(...conversation({ ...base, server: '10.1.0.22', cport: 41000, startUs: base.startUs + 9e6, clientSegments: [wire] }))
  const { of } = run(frames, { resolveDecky })
  const hellos = of('tls_client_hello')
  assert.deepEqual(hellos.map((e) => [e.decky, e.fields.src_port, e.fields.count]), [['web-01', '40000', '1'], ['web-02', '41000', '1'], ['web-01', undefined, '4']])
  const pending = hellos[2]!
  assert.equal(pending.fields.ja4, hellos[0]!.fields.ja4)
  assert.equal(pending.fields.ja4l, undefined)
  assert.equal(pending.time, '2023-11-14T22:13:24.003000+00:00') // the last sighting
  // no dedup: every hello
  assert.equal(run(frames, { resolveDecky, dedup: false }).of('tls_client_hello').length, 6)
  // window passed: emitted again, counting the suppressed ones
  const late = [...frames.slice(0, 2 * 5), ...conversation({ ...base, cport: 42000, startUs: base.startUs + 400e6, clientSegments: [wire] })]
  assert.deepEqual(run(late, { resolveDecky }).of('tls_client_hello').map((e) => e.fields.count), ['1', '2'])
})

test('sniffer: flow and byte limits hold under a SYN flood and a never-ending hello', () => {
  const frames: { tsUs: number; frame: Buffer }[] = []
  for (let i = 0; i < 3000; i++) {
    frames.push({ tsUs: base.startUs + i, frame: ethTcp({ src: '198.51.100.7', dst: '10.1.0.21', sport: 1024 + i, dport: 443, seq: i, flags: 0x02 }) })
  }
  const r = run(frames, { limits: { maxFlows: 500 } })
  assert.equal(r.stats.flowsCreated, 3000)
  assert.equal(r.stats.flowsEvicted, 2500)
  // a "hello" that announces 60 KB and never ends: buffered bytes stay under the cap
  const huge = Buffer.concat([Buffer.from([0x16, 3, 1, 0x40, 0, 1, 0, 0xf0, 0]), Buffer.alloc(200_000, 1)])
  const events: DecnetEvent[] = []
  const s = new Sniffer({ sink: { write: (e) => events.push(e) }, limits: { clientBytes: 8192 } })
  readCapture(pcapFile(conversation({ ...base, clientSegments: split(huge, 1400) })), (p) => {
    s.handle(p)
    assert.ok(s.stats.bufferedBytes <= 8192 + 65536)
  })
  assert.equal(events.length, 0)
  assert.equal(s.stats.errors, 0)
})

test('sniffer: random frames, and a real conversation cut at every offset, never throw', () => {
  const wire = records(handshake(1, PQ_HELLO), 500)
  const convo = conversation({ ...base, clientSegments: split(wire, 300), serverSegments: [SERVER_HELLO] })
  const s = new Sniffer({ sink: { write: () => {} } })
  for (const f of convo) {
    for (let cut = 0; cut <= f.frame.length; cut++) s.handle({ tsUs: f.tsUs, linkType: 1, data: f.frame.subarray(0, cut), origLen: f.frame.length })
  }
  // hello bytes cut at every length, delivered as one segment
  for (let cut = 1; cut < wire.length; cut += 7) {
    for (const f of conversation({ ...base, cport: 1000 + (cut % 60000), clientSegments: [wire.subarray(0, cut)] })) s.handle({ tsUs: f.tsUs, linkType: 1, data: f.frame, origLen: f.frame.length })
  }
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (bytes, ts) => {
      s.handle({ tsUs: ts, linkType: 1, data: Buffer.from(bytes), origLen: bytes.length })
    }),
    { numRuns: 2000 },
  )
  // TCP payloads of random bytes after a valid handshake
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 600 }), { maxLength: 6 }), fc.boolean(), (payloads, tlsStart) => {
      const segs = payloads.map((p, i) => (i === 0 && tlsStart ? Buffer.concat([Buffer.from([0x16, 3, 1]), Buffer.from(p)]) : Buffer.from(p)))
      for (const f of conversation({ ...base, sport: tlsStart ? 443 : 22, clientSegments: segs, serverSegments: segs.slice().reverse() })) {
        s.handle({ tsUs: f.tsUs, linkType: 1, data: f.frame, origLen: f.frame.length })
      }
    }),
    { numRuns: 500 },
  )
  assert.equal(s.stats.errors, 0)
})
