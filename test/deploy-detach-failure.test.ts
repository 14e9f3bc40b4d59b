// deploy --detach: the parent reports the child's failure line as soon as the
// child logs it, not after the 60 s ready timeout (issue 11, item 5).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { detach } from '../src/engines/local/detach.js'
import { processAlive } from '../src/engines/runner-process.js'
import { REPO_ROOT } from './helpers/readme-command.js'
import { tempDir } from './helpers/temp-home.js'

test('deploy --detach: a child that logs its failure and hangs is reported at once, and ended', { timeout: 20_000 }, async (t) => {
  const home = tempDir(t)
  const started = Date.now()
  let pid: number | undefined
  const entry = join(REPO_ROOT, 'test', 'fixtures', 'failing-runner.ts')
  await assert.rejects(
    detach({
      home, portOffset: 23200, entry, execArgv: ['--import', 'tsx'],
      fleet: { mode: 'unihost', ipvlan: false, customServices: [], deckies: [] },
    }).then((d) => (pid = d.pid)),
    { message: 'decky-01/http: cannot bind 127.42.62.1:23280: address already in use; nothing deployed' },
  )
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`)
  t.after(() => {
    if (pid !== undefined && processAlive({ pid })) process.kill(pid, 'SIGKILL')
  })
})
