// The README's first command, as the tests run it: the fenced block right
// after the `<!-- main-job` marker, its first line, the `decnet deploy …` part.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const MARKER = '<!-- main-job'

export interface ReadmeCommand {
  /** The whole line, e.g. `npm ci && npx decnet deploy --deckies 3 …`. */
  line: string
  /** argv after `decnet`: ['deploy', '--deckies', '3', …]. */
  deployArgs: string[]
}

export function readmeMainCommand(readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')): ReadmeCommand {
  const at = readme.indexOf(MARKER)
  if (at < 0) throw new Error('README.md: no "<!-- main-job" marker before the first command')
  const block = /```(?:sh|bash|console)?\n([^\n]+)\n/.exec(readme.slice(at))
  const line = block?.[1]?.trim()
  if (!line) throw new Error('README.md: no fenced command after the main-job marker')
  const m = /(?:^|&&\s*)(?:npx\s+)?decnet\s+(deploy\b[^&;|]*)$/.exec(line)
  if (!m?.[1]) throw new Error(`README.md: the first command has no "decnet deploy …" part: ${line}`)
  if (/["'$`\\]/.test(m[1])) throw new Error(`README.md: the deploy command must not need shell quoting: ${m[1]}`)
  return { line, deployArgs: m[1].trim().split(/\s+/) }
}

/**
 * The README's attacker commands, verbatim: the lines of the first fenced sh
 * block after the main-job one that contains a `curl` (comments kept; blank
 * lines dropped).
 */
export function readmeAttackerLines(readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')): string[] {
  const at = readme.indexOf(MARKER)
  if (at < 0) throw new Error('README.md: no "<!-- main-job" marker before the first command')
  const blocks = [...readme.slice(at).matchAll(/```(?:sh|bash|console)\n([\s\S]*?)```/g)].map((m) => m[1] ?? '')
  const block = blocks.slice(1).find((b) => /^curl /m.test(b))
  if (!block) throw new Error('README.md: no attacker block (curl …) after the first command')
  return block.split('\n').filter((l) => l.trim() !== '')
}

/** The value of `--flag V` in argv, if present. */
export function flagValue(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag)
  return i >= 0 ? args[i + 1] : undefined
}

/** The README's attacker: Basic auth to decky 1 and a WordPress login form to decky 2 (at the README's addresses unless told others). */
export async function attackLikeTheReadme(port: number, hosts: readonly [string, string] = ['127.42.0.1', '127.42.0.2']): Promise<void> {
  const basic = await fetch(`http://${hosts[0]}:${port}/`, { headers: { Authorization: `Basic ${Buffer.from('admin:Winter2026').toString('base64')}` } })
  await basic.arrayBuffer()
  const form = await fetch(`http://${hosts[1]}:${port}/wp-login.php`, {
    method: 'POST',
    body: new URLSearchParams({ log: 'editor', pwd: 'S3cret', 'wp-submit': 'Log In' }),
  })
  await form.arrayBuffer()
}
