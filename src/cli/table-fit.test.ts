// Tables fit the terminal and never hide what matters (issue 11, item 8): a
// form login's logs row shows the user and password, a NetNTLMv2 bounty row
// shows the hash's start, and a cut table says that --json shows it whole.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { encodeSecret } from '../events/event.js'
import { Ingester, openStore } from '../store/index.js'
import { tempDir } from '../../test/helpers/temp-home.js'
import { bountyRecords, renderBounty } from './commands/bounty.js'
import { runLogs } from './commands/logs.js'
import { CUT_HINT, formatTable } from './table.js'

const NTLM = 'Administrator::WORKGROUP:1122334455667788:' + 'a'.repeat(32) + ':' + '0101000000000000'.repeat(12)

test('logs at 100 columns and bounty at 120: user, password and the hash start visible, lines fit, a hint', async (t) => {
  const store = openStore(tempDir(t))
  t.after(() => store.close())
  const ing = new Ingester(store)
  const time = '2026-11-28T03:00:01.000000+00:00'
  ing.write({
    time, decky: 'decky-02', service: 'http', type: 'request', severity: 5,
    fields: {
      src_ip: '198.51.100.7', src_port: '40000', method: 'POST', path: '/wp-login.php', host: '127.42.80.2:24180',
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
      form: 'log,pwd,wp-submit,redirect_to,testcookie', principal: 'editor', secret_kind: 'plaintext', ...encodeSecret('S3cret'),
    },
  })
  ing.write({
    time, decky: 'decky-01', service: 'smb', type: 'auth', severity: 5,
    fields: { src_ip: '198.51.100.7', src_port: '40001', principal: 'WORKGROUP\\Administrator', secret_kind: 'netntlmv2', ...encodeSecret(NTLM) },
  })
  await ing.close()
  let out = ''
  await runLogs({ width: 100 }, (s) => (out += s), undefined, store)
  const login = out.split('\n').find((l) => l.includes('wp-login') || l.includes('editor'))
  assert.ok(login, out)
  assert.match(login, /principal=editor secret=S3cret[ …]/)
  for (const l of out.split('\n')) assert.ok(l.length <= 100, `${l.length}: ${l}`)
  assert.ok(out.trimEnd().endsWith(CUT_HINT), out)

  const table = renderBounty(await bountyRecords(store, { kind: 'credential' }), ['credential'], 120)
  const row = table.split('\n').find((l) => l.includes('smb'))
  assert.ok(row, table)
  assert.match(row, / Administrator::WORKGROUP:/)
  assert.match(row, /…/)
  for (const l of table.split('\n')) assert.ok(l.length <= 120, `${l.length}: ${l}`)
  assert.ok(table.trimEnd().endsWith(CUT_HINT), table)
})

test('formatTable: no hint when nothing was cut; unlimited width keeps every cell whole', () => {
  assert.equal(formatTable(['A', 'B'], [['x', 'y']], { width: 80 }), 'A  B\n-  -\nx  y\n')
  const long = 'z'.repeat(300)
  assert.ok(formatTable(['A', 'B'], [['x', long]], { width: Infinity }).includes(long))
})
