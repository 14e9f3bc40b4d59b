// Where decnet keeps its data on this host.
import { homedir } from 'node:os'
import { join } from 'node:path'

/** $DECNET_HOME, else $XDG_DATA_HOME/decnet, else ~/.local/share/decnet. */
export function decnetHome(): string {
  if (process.env.DECNET_HOME) return process.env.DECNET_HOME
  const xdg = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share')
  return join(xdg, 'decnet')
}
