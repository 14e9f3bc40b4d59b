// Where decnet keeps its data on this host: the one place that knows the layout.
import { homedir } from 'node:os'
import { join } from 'node:path'

/** $DECNET_HOME, else $XDG_DATA_HOME/decnet, else ~/.local/share/decnet. */
export function decnetHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DECNET_HOME) return env.DECNET_HOME
  const xdg = env.XDG_DATA_HOME || join(homedir(), '.local', 'share')
  return join(xdg, 'decnet')
}

/** Quarantined uploads: <home>/artifacts/<decky>/<service>/. */
export function artifactsRoot(home: string): string {
  return join(home, 'artifacts')
}
