// Exec requests whose command reads its stdin (`ssh host 'cat > /tmp/x' < bot`,
// `curl … | ssh host sh`): the payload arrives on the channel, so we wait for
// the client's EOF (bounded) before running, keep the bytes as an artifact and
// feed them to the emulated command. Other commands run at once, as a shell
// that never reads stdin would.
import { splitList } from '../shared/shell/parser.js'

export const EXEC_STDIN_LIMITS = Object.freeze({
  /** Longest wait for EOF once the command is known to read stdin. */
  maxWaitMs: 30_000,
  /** Stdin kept per exec request (also bounded by the artifact store's per-file cap). */
  maxBytes: 16 * 1024 * 1024,
})

const READERS = [
  /^cat(\s+-[A-Za-z]+)*(\s*\d?>{1,2}\s*\S+)*\s*$/, // cat > file, cat >> file, plain cat
  /^(sh|bash|dash|ash)(\s+-[a-z]*[sxe][a-z]*)*\s*$/, // script on stdin
  /^tee(\s+-a)?(\s+\S+)*\s*$/,
  /^dd\s+(?!.*\bif=).*$/,
  /^base64\s+(-d|--decode)\s*$/,
  /^(python3?|perl)\s*(-)?\s*$/,
]

/** True when some pipeline's first command reads the channel's stdin. */
export function readsStdin(cmd: string): boolean {
  const list = splitList(cmd)
  if (!list) return false
  return list.some((item) => {
    const first = (item.pipeline[0] ?? '').trim().replace(/^(sudo|nohup|exec)\s+/, '')
    return READERS.some((re) => re.test(first))
  })
}
