// A resolved fleet handed to another process (`decnet deploy --detach` → its
// background runner, which is given --fleet-file): written 0600, deleted once read.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FleetConfig } from '../config/model.js'
import { UserError } from '../errors.js'

export const FLEET_FILE = 'pending-fleet.json'

/** Writes the fleet for the child; the child deletes it once read. */
export function writeFleetFile(home: string, fleet: FleetConfig): string {
  mkdirSync(home, { recursive: true, mode: 0o700 })
  const path = join(home, FLEET_FILE)
  writeFileSync(path, JSON.stringify(fleet), { mode: 0o600 })
  return path
}

export function readFleetFile(path: string): FleetConfig {
  let fleet: FleetConfig
  try {
    fleet = JSON.parse(readFileSync(path, 'utf8')) as FleetConfig
  } catch (e) {
    throw new UserError('CONFIG_FILE', `${path}: cannot read the fleet: ${(e as Error).message}`)
  }
  rmSync(path, { force: true })
  return fleet
}
