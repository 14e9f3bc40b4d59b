// Throwaway data dirs for tests, removed in t.after.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'

/** A fresh directory, removed after the test. */
export function tempDir(t: TestContext, prefix = 'decnet-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A fresh DECNET_HOME for code that reads the environment; the previous value comes back after the test. */
export function tempHome(t: TestContext, prefix = 'decnet-home-'): string {
  const saved = process.env.DECNET_HOME
  const home = tempDir(t, prefix)
  process.env.DECNET_HOME = home
  t.after(() => {
    if (saved === undefined) delete process.env.DECNET_HOME
    else process.env.DECNET_HOME = saved
  })
  return home
}
