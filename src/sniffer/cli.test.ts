// `decnet fingerprint` and `decnet sniff` helpers, in process.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fingerprintFile, fingerprintRows } from '../cli/commands/fingerprint.js'
import { captureFilter, fleetFilter } from './live.js'
import { main } from '../cli/main.js'
import { LiveSource } from './capture/sources.js'
import { clientHelloBody, conversation, ext, handshake, pcapngFile, records, serverHelloBody } from '../../test/helpers/sniffer-synth.js'

const HELLO = records(handshake(1, clientHelloBody({ ciphers: [0x1301, 0xc02f], extensions: [ext.sni('cli.example'), ext.alpn(['http/1.1']), ext.versions([0x0304])] })))
const SERVER = records(handshake(2, serverHelloBody(0x0303, 0x1301, [{ type: 43, data: Buffer.from([3, 4]) }])))

test('fingerprint: a pcapng file gives one row per fingerprint, counted, with the decky named by --decky', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-fp-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const frames = [0, 1, 2].flatMap((i) =>
    conversation({ client: '192.0.2.7', server: '10.9.0.5', cport: 40000 + i, sport: 8443, clientSegments: [HELLO], serverSegments: [SERVER], startUs: 1_700_000_000_000_000 + i * 1e6 }),
  )
  const file = join(dir, 'x.pcapng')
  writeFileSync(file, pcapngFile([{ linkType: 1, tsresol: 9 }], frames.map((f) => ({ iface: 0, ...f }))))
  const r = await fingerprintFile(file, { decky: ['10.9.0.5=shop-02'] })
  assert.equal(r.packets, frames.length)
  const rows = fingerprintRows(r.events).filter((x) => !x.kind.startsWith('ja4l'))
  assert.deepEqual(
    rows.map((x) => [x.src, x.dst, x.decky, x.kind, x.count]),
    [
      ['192.0.2.7', '10.9.0.5:8443', 'shop-02', 'ja3', 3],
      ['192.0.2.7', '10.9.0.5:8443', 'shop-02', 'ja4', 3],
      ['192.0.2.7', '10.9.0.5:8443', 'shop-02', 'ja3s', 3],
      ['192.0.2.7', '10.9.0.5:8443', 'shop-02', 'ja4s', 3],
    ],
  )
  assert.match(rows[1]!.value, /^t13d0203h1_/)
  await assert.rejects(fingerprintFile(file, { decky: ['nonsense'] }), /--decky: not IP=NAME/)
})

test('fingerprint: unreadable or foreign files are one-line user errors (exit 2)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-fp-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const junk = join(dir, 'junk.pcap')
  writeFileSync(junk, 'GET / HTTP/1.1\r\n\r\n')
  await assert.rejects(fingerprintFile(junk), (e: Error & { code?: string }) => e.code === 'PCAP_INVALID' && e.message.startsWith(`${junk}: not a pcap`))
  await assert.rejects(fingerprintFile(join(dir, 'missing.pcap')), /missing\.pcap: no such file/)
  const write = process.stderr.write
  process.stderr.write = (() => true) as typeof process.stderr.write
  try {
    assert.equal(await main(['node', 'decnet', 'fingerprint', junk]), 2)
  } finally {
    process.stderr.write = write
  }
})

test('sniff: tcpdump argv and the capture filter', () => {
  assert.equal(captureFilter(undefined), 'tcp')
  assert.equal(captureFilter('  '), 'tcp')
  assert.equal(captureFilter('port 443 or port 22'), 'tcp and (port 443 or port 22)')
  assert.equal(fleetFilter(['127.42.0.1', '127.42.0.2']), 'tcp and (host 127.42.0.1 or host 127.42.0.2)')
  assert.equal(fleetFilter([]), 'tcp')
  assert.deepEqual(LiveSource.args({ interface: 'eth0', filter: 'tcp and (port 443)' }), ['-i', 'eth0', '-w', '-', '-U', '--immediate-mode', '-n', '-s', '65535', 'tcp and (port 443)'])
})
