// Runs command lines against the fake machine. Never executes or fetches
// anything on the host: every command is a function over ShellState.
import { expandWords, globMatch, splitList, type Command } from './parser.js'
import { COMPOUND_LIMITS, hasCompound, parseCompound, type Node } from './compound.js'
import { FS_ERROR_TEXT, resolvePath, splitPath } from './fs.js'
import type { ShellPersona, ShellUser } from './persona.js'
import type { FakeFs } from './fs.js'
import type { CmdContext, ShellHost, ShellState } from './types.js'
import { lookupCommand } from './lookup.js'
import { setUserEnv, setVar } from './env.js'
import { budgetOf, BudgetExceeded } from './budget.js'

export { setUserEnv, setVar }

export const SHELL_LIMITS = Object.freeze({
  /** Output one command line may produce before it is cut. */
  maxOutputBytes: 256 * 1024,
  maxHistory: 1000,
  /** Nesting of sh -c / sudo / $(...) */
  maxNesting: 6,
  /** Longest command text put in a command_budget_exceeded event. */
  maxEventCmd: 4096,
})

export function newShellState(o: {
  fs: FakeFs
  persona: ShellPersona
  user: ShellUser
  host: ShellHost
  interactive: boolean
}): ShellState {
  const env = new Map<string, string>()
  const sh: ShellState = {
    fs: o.fs,
    persona: o.persona,
    user: o.user,
    cwd: o.user.home,
    env,
    history: [],
    lastExit: 0,
    exited: false,
    sudoOk: false,
    userStack: [],
    host: o.host,
    interactive: o.interactive,
    started: Date.now(),
  }
  setUserEnv(sh)
  env.set('SHELL', o.user.shell)
  env.set('PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
  env.set('LANG', 'C.UTF-8')
  env.set('TERM', 'xterm-256color')
  env.set('SHLVL', '1')
  env.set('HOSTNAME', o.persona.hostname)
  if (o.host.service === 'ssh') {
    env.set('SSH_CLIENT', `${o.host.peerIp} ${o.host.peerPort} ${o.host.localPort}`)
    env.set('SSH_CONNECTION', `${o.host.peerIp} ${o.host.peerPort} ${o.persona.ip} ${o.host.localPort}`)
    if (o.interactive) env.set('SSH_TTY', o.host.tty)
  }
  return sh
}

/** The prompt bash draws with Debian's PS1 `\u@\h:\w\$ `. */
export function prompt(sh: ShellState): string {
  const home = sh.user.home
  const w = sh.cwd === home ? '~' : sh.cwd.startsWith(home + '/') ? '~' + sh.cwd.slice(home.length) : sh.cwd
  return `${sh.user.name}@${sh.persona.hostname.split('.')[0]}:${w}${sh.user.uid === 0 ? '#' : '$'} `
}

interface Output {
  out(s: string): void
  err(s: string): void
}

/** Bounded output collector. */
class Sink implements Output {
  text = ''
  bytes = 0
  cut = false
  constructor(private readonly limit: number) {}
  out(s: string): void {
    if (this.cut) return
    if (this.bytes + s.length > this.limit) {
      this.text += s.slice(0, this.limit - this.bytes)
      this.cut = true
      return
    }
    this.bytes += s.length
    this.text += s
  }
  err(s: string): void {
    this.out(s)
  }
}

function expandEnv(sh: ShellState, depth: number, nest: number) {
  return {
    depth,
    vars: (name: string) => {
      if (name === '?') return String(sh.lastExit)
      if (name === '$') return String(4000 + (sh.started % 20000))
      if (name === '#') return '0'
      if (name === '0') return '-bash'
      if (name === 'PWD') return sh.cwd
      return sh.env.get(name)
    },
    substitute: async (cmd: string, d: number) => {
      const sink = new Sink(SHELL_LIMITS.maxOutputBytes)
      await runLine(sh, cmd, { out: (s) => sink.out(s), err: () => {} }, '', nest + 1, d)
      return sink.text
    },
    glob: (pattern: string) => globFs(sh, pattern),
  }
}

function globFs(sh: ShellState, pattern: string): string[] {
  const abs = resolvePath(sh.cwd, pattern, sh.user.home)
  const { dir, base } = splitPath(abs)
  if (/[*?]/.test(dir)) return []
  const names = sh.fs.list(dir, sh.user)
  if (typeof names === 'string') return []
  const prefix = pattern.includes('/') ? pattern.slice(0, pattern.lastIndexOf('/') + 1) : ''
  return names.filter((n) => globMatch(base, n)).map((n) => prefix + n)
}

/**
 * Runs one input line; `out` receives stdout and stderr interleaved as a
 * terminal would show them. Returns the exit status of the last pipeline.
 */
export async function runLine(sh: ShellState, line: string, o: Output, stdin = '', nest = 0, depth = 0): Promise<number> {
  if (nest > 0) return runLineIn(sh, line, o, stdin, nest, depth)
  // a top-level line: its own step/time budget within the session's
  const budget = budgetOf(sh)
  budget.startLine()
  try {
    await budget.tick()
    return await runLineIn(sh, line, o, stdin, nest, depth)
  } catch (e) {
    if (!(e instanceof BudgetExceeded)) throw e
    sh.loopControl = undefined
    sh.loopDepth = 0
    sh.host.emit('command_budget_exceeded', {
      cmd: line.slice(0, SHELL_LIMITS.maxEventCmd), scope: e.scope, user: sh.user.name,
      steps: budget.lineSteps, cpu_ms: Math.round(budget.lineMs), session_steps: budget.sessionSteps,
    })
    o.err('Killed\n')
    sh.lastExit = 137
    return 137
  }
}

async function runLineIn(sh: ShellState, line: string, o: Output, stdin: string, nest: number, depth: number): Promise<number> {
  if (nest > SHELL_LIMITS.maxNesting) return 1
  const list = splitList(line)
  if (!list) {
    o.err('-bash: syntax error: unexpected end of file\n')
    sh.lastExit = 2
    return 2
  }
  let nodes: Node[] | undefined = list.map((item) => ({ kind: 'simple' as const, pipeline: item.pipeline, op: item.op }))
  if (hasCompound(list)) nodes = parseCompound(list)
  if (!nodes) {
    o.err('-bash: syntax error: unexpected end of file\n')
    sh.lastExit = 2
    return 2
  }
  return runNodes(sh, nodes, o, stdin, nest, depth)
}

async function runNodes(sh: ShellState, nodes: Node[], o: Output, stdin: string, nest: number, depth: number): Promise<number> {
  let status = sh.lastExit
  let prevOp: string = ';'
  const budget = budgetOf(sh)
  for (const node of nodes) {
    if (sh.exited || sh.loopControl) break
    await budget.tick()
    if ((prevOp === '&&' && status !== 0) || (prevOp === '||' && status === 0)) {
      prevOp = node.op
      continue
    }
    status = await runNode(sh, node, o, stdin, nest, depth)
    sh.lastExit = status
    prevOp = node.op
  }
  return status
}

async function runNode(sh: ShellState, node: Node, o: Output, stdin: string, nest: number, depth: number): Promise<number> {
  switch (node.kind) {
    case 'simple':
      return runPipeline(sh, node.pipeline, o, stdin, nest, depth)
    case 'if':
      for (const b of node.branches) {
        if ((await runNodes(sh, b.cond, o, stdin, nest, depth)) === 0) return runNodes(sh, b.body, o, stdin, nest, depth)
      }
      return node.otherwise ? runNodes(sh, node.otherwise, o, stdin, nest, depth) : 0
    case 'for': {
      const words = await expandWords(node.words, expandEnv(sh, depth, nest))
      let status = 0
      for (const w of (words?.argv ?? []).slice(0, COMPOUND_LIMITS.maxIterations)) {
        setVar(sh, node.name, w)
        status = await inLoop(sh, () => runNodes(sh, node.body, o, stdin, nest, depth))
        if (loopExit(sh)) break
      }
      return status
    }
    case 'while': {
      let status = 0
      for (let i = 0; i < COMPOUND_LIMITS.maxIterations && !sh.exited; i++) {
        const c = await runNodes(sh, node.cond, o, stdin, nest, depth)
        if ((c === 0) === node.until) break
        status = await inLoop(sh, () => runNodes(sh, node.body, o, stdin, nest, depth))
        if (loopExit(sh)) break
      }
      return status
    }
  }
}

async function inLoop(sh: ShellState, body: () => Promise<number>): Promise<number> {
  await budgetOf(sh).tick()
  sh.loopDepth = (sh.loopDepth ?? 0) + 1
  try {
    return await body()
  } finally {
    sh.loopDepth -= 1
  }
}

/** Consumes a pending break/continue; true when the loop must end. */
function loopExit(sh: ShellState): boolean {
  const c = sh.loopControl
  sh.loopControl = undefined
  return c === 'break'
}

async function runPipeline(sh: ShellState, texts: string[], o: Output, stdin: string, nest: number, depth: number): Promise<number> {
  const first = texts[0] ?? ''
  if (/^!\s/.test(first)) {
    // `! pipeline` inverts the status
    const status = await runPipeline(sh, [first.slice(2), ...texts.slice(1)], o, stdin, nest, depth)
    return status === 0 ? 1 : 0
  }
  let input = stdin
  let status = 0
  for (let i = 0; i < texts.length; i++) {
    const last = i === texts.length - 1
    const cmd = await expandWords(texts[i] as string, expandEnv(sh, depth, nest))
    if (!cmd) {
      o.err(`-bash: syntax error near unexpected token\n`)
      return 2
    }
    const sink = new Sink(SHELL_LIMITS.maxOutputBytes)
    const target: Output = last ? o : { out: (s) => sink.out(s), err: (s) => o.err(s) }
    status = await runCommand(sh, cmd, target, input, nest)
    input = sink.text
  }
  return status
}

async function runCommand(sh: ShellState, cmd: Command, o: Output, stdin: string, nest: number): Promise<number> {
  await budgetOf(sh).tick()
  if (cmd.argv.length === 0) {
    for (const [k, v] of cmd.assignments) setVar(sh, k, v)
    return 0
  }
  // redirections
  let input = stdin
  let outFile: { path: string; append: boolean } | undefined
  let errTo: 'out' | 'null' | 'term' | { path: string; append: boolean } = 'term'
  let outNull = false
  for (const r of cmd.redirects) {
    if (r.kind === '<') {
      const abs = resolvePath(sh.cwd, r.target, sh.user.home)
      const data = sh.fs.readFile(abs, sh.user)
      if (typeof data === 'string') {
        o.err(`-bash: ${r.target}: ${FS_ERROR_TEXT[data]}\n`)
        return 1
      }
      input = data.toString('utf8')
    } else if (r.kind === '>&') {
      if (r.fd === 2 && r.target === '1') errTo = outNull ? 'null' : outFile ? { ...outFile, append: true } : 'out'
    } else {
      const isNull = r.target === '/dev/null'
      if (r.fd === 2) errTo = isNull ? 'null' : { path: resolvePath(sh.cwd, r.target, sh.user.home), append: r.kind === '>>' }
      else if (isNull) outNull = true
      else outFile = { path: resolvePath(sh.cwd, r.target, sh.user.home), append: r.kind === '>>' }
    }
  }
  const buffered = new Sink(SHELL_LIMITS.maxOutputBytes)
  const errBuffered = new Sink(SHELL_LIMITS.maxOutputBytes)
  const out = (s: string) => (outNull ? undefined : outFile ? buffered.out(s) : o.out(s))
  const err = (s: string) =>
    errTo === 'null' ? undefined : errTo === 'out' ? out(s) : errTo === 'term' ? o.err(s) : errBuffered.out(s)

  for (const f of [outFile, typeof errTo === 'object' ? errTo : undefined]) {
    if (!f) continue
    // bash creates/truncates the target before running the command
    const e = sh.fs.writeFile(f.path, Buffer.alloc(0), sh.user, { append: true })
    if (e) {
      o.err(`-bash: ${f.path}: ${FS_ERROR_TEXT[e]}\n`)
      return 1
    }
    if (!f.append) sh.fs.writeFile(f.path, Buffer.alloc(0), sh.user)
  }

  const name = cmd.argv[0] as string
  const fn = lookupCommand(name)
  let status: number
  if (!fn) {
    if (!name.includes('/')) {
      err(`-bash: ${name}: command not found\n`)
      status = 127
    } else {
      const node = sh.fs.lookup(resolvePath(sh.cwd, name, sh.user.home), sh.user)
      if (typeof node === 'string') {
        err(`-bash: ${name}: ${FS_ERROR_TEXT[node]}\n`)
        status = node === 'EACCES' ? 126 : 127
      } else if (node.kind === 'dir') {
        err(`-bash: ${name}: Is a directory\n`)
        status = 126
      } else if ((node.mode & 0o111) === 0) {
        err(`-bash: ${name}: Permission denied\n`)
        status = 126
      } else status = 0 // an uploaded program "runs" silently: nothing is executed
    }
  } else {
    const ctx: CmdContext = {
      argv: cmd.argv,
      stdin: input,
      out,
      err,
      sh,
      run: (line: string) => runLine(sh, line, { out, err }, input, nest + 1),
    }
    try {
      status = await fn(ctx)
    } catch (e) {
      if (e instanceof BudgetExceeded) throw e
      err(`-bash: ${name}: Input/output error\n`)
      status = 1
    }
  }
  if (outFile) {
    const e = buffered.text ? sh.fs.writeFile(outFile.path, Buffer.from(buffered.text), sh.user, { append: true }) : undefined
    if (e) {
      o.err(`-bash: ${name}: write error: ${FS_ERROR_TEXT[e]}\n`)
      status = 1
    }
  }
  if (typeof errTo === 'object') sh.fs.writeFile(errTo.path, Buffer.from(errBuffered.text), sh.user, { append: true })
  return status
}

/** Adds a line to history (bash's ignorespace/ignoredups). */
export function remember(sh: ShellState, line: string): void {
  if (line.trim() === '' || line.startsWith(' ')) return
  if (sh.history[sh.history.length - 1] === line) return
  sh.history.push(line)
  if (sh.history.length > SHELL_LIMITS.maxHistory) sh.history.shift()
}
