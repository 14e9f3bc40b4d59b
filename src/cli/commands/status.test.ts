// decnet status shows the bait: the logins each decky's services accept, from
// the persona keys of the deployment (defaults included), in the table and --json.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeState } from '../../engines/state.js'
import { recordFor } from '../../../test/helpers/fake-runner.js'
import { tempHome } from '../../../test/helpers/temp-home.js'
import { statusReport } from './status.js'

test('status lists every decky\'s bait accounts per service: ssh defaults and overrides, smb users, ftp anonymous and account', async (t) => {
  const home = tempHome(t)
  const record = recordFor(process.pid, { names: ['decky-01', 'decky-02'] })
  const [a, b] = record.config.deckies
  assert.ok(a && b)
  a.services = ['ssh', 'smb']
  a.serviceConfig = { ssh: { password: 'Sup3r!', user: 'deploy', user_password: 'd3ploy' }, smb: { users: 'Alice:Secret123\nsvc_backup:B@ck' } }
  b.services = ['ssh', 'ftp', 'http']
  b.serviceConfig = { ftp: { user: 'www', password: 'w3b' } }
  writeState(record, home)
  const r = await statusReport(home)
  assert.deepEqual(r.bait, [
    { decky: 'decky-01', service: 'ssh', user: 'root', password: 'Sup3r!' },
    { decky: 'decky-01', service: 'ssh', user: 'deploy', password: 'd3ploy' },
    { decky: 'decky-01', service: 'smb', user: 'alice', password: 'Secret123' },
    { decky: 'decky-01', service: 'smb', user: 'svc_backup', password: 'B@ck' },
    { decky: 'decky-02', service: 'ssh', user: 'root', password: 'admin' },
    { decky: 'decky-02', service: 'ssh', user: 'ubuntu', password: 'admin' },
    { decky: 'decky-02', service: 'ftp', user: 'anonymous', password: '(any)' },
    { decky: 'decky-02', service: 'ftp', user: 'www', password: 'w3b' },
  ])
})
