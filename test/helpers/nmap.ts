// nmap output parsing for the e2e tests: the product must come from the port's
// own line, never from anywhere in the output.
import assert from 'node:assert/strict'

export interface NmapPort { state: string; service: string; version: string; line: string }

/** The `PORT/tcp STATE SERVICE VERSION` line of `port`; fails the test when it is missing. */
export function nmapPort(out: string, port: number | string): NmapPort {
  const line = out.split('\n').find((l) => l.startsWith(`${port}/tcp `))
  assert.ok(line, `nmap printed no line for port ${port}:\n${out}`)
  const m = /^\d+\/tcp\s+(\S+)\s+(\S+)(?:\s+(.*\S))?\s*$/.exec(line)
  assert.ok(m, `unexpected nmap port line: ${line}`)
  return { state: m[1] ?? '', service: m[2] ?? '', version: m[3] ?? '', line }
}
