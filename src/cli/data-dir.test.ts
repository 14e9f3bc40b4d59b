// An unwritable DECNET_HOME is one line naming the directory and the fix,
// exit 2, not a stack trace (issue 11, item 7). /sys refuses a new directory
// to root (EPERM) and to anyone else (EACCES), so the test needs no chmod.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { cli } from '../../test/helpers/cli.js'

test('deploy with an unwritable DECNET_HOME: one line naming it and DECNET_HOME, exit 2', { skip: !existsSync('/sys/kernel') && 'no /sys' }, async (t) => {
  const saved = process.env.DECNET_HOME
  const home = `/sys/decnet-test-${process.pid}`
  process.env.DECNET_HOME = home
  t.after(() => {
    if (saved === undefined) delete process.env.DECNET_HOME
    else process.env.DECNET_HOME = saved
  })
  const r = await cli(['deploy', '--deckies', '1', '--services', 'http', '--ip-start', '127.42.71.1', '--port-offset', '24100'])
  assert.deepEqual([r.code, r.err], [2, `decnet: the data directory ${home} is not writable (permission denied); set DECNET_HOME to a directory you can write\n`])
})
