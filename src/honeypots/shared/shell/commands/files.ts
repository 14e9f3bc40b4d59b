// ls, cd, pwd, cat and the other commands that work on the fake filesystem.
import { FS_ERROR_TEXT, resolvePath, splitPath, type FsError, type FsNode } from '../fs.js'
import type { CmdContext, CommandFn } from '../types.js'
import { setUserEnv } from '../env.js'

/** Splits `-la` style flags from operands; `--` ends flags. */
export function flags(argv: string[]): { opts: Set<string>; args: string[] } {
  const opts = new Set<string>()
  const args: string[] = []
  let done = false
  for (const a of argv.slice(1)) {
    if (!done && a === '--') done = true
    else if (!done && a.startsWith('--') && a.length > 2) opts.add(a)
    else if (!done && a.startsWith('-') && a.length > 1) for (const ch of a.slice(1)) opts.add(ch)
    else args.push(a)
  }
  return { opts, args }
}

export const abs = (c: CmdContext, p: string) => resolvePath(c.sh.cwd, p, c.sh.user.home)
const fail = (c: CmdContext, cmd: string, what: string, e: FsError) => c.err(`${cmd}: ${what}: ${FS_ERROR_TEXT[e]}\n`)

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

export function modeString(n: FsNode): string {
  const bits = 'rwxrwxrwx'
  let s = n.kind === 'dir' ? 'd' : '-'
  for (let i = 0; i < 9; i++) s += n.mode & (1 << (8 - i)) ? bits[i] : '-'
  if (n.mode & 0o1000) s = s.slice(0, 9) + (n.mode & 1 ? 't' : 'T')
  return s
}

function nameOf(c: CmdContext, id: number, kind: 'user' | 'group'): string {
  if (id === 0) return 'root'
  if (id === 42) return 'shadow'
  if (id === 4) return 'adm'
  const u = c.sh.persona.users.find((x) => (kind === 'user' ? x.uid : x.gid) === id)
  return u?.name ?? String(id)
}

function stamp(d: Date): string {
  const recent = Date.now() - d.getTime() < 180 * 86400_000
  const tail = recent ? `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}` : ` ${d.getUTCFullYear()}`
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${tail}`
}

function human(n: number): string {
  if (n < 1024) return String(n)
  const units = ['K', 'M', 'G']
  let v = n
  let u = -1
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return (v < 10 ? v.toFixed(1) : Math.round(v).toString()) + units[u]
}

const ls: CommandFn = (c) => {
  const { opts, args } = flags(c.argv)
  const all = opts.has('a') || opts.has('A')
  const long = opts.has('l')
  const one = opts.has('1') || !c.sh.interactive
  const targets = args.length ? args : ['.']
  let status = 0
  const sections: string[] = []
  const line = (name: string, n: FsNode) => {
    const size = n.kind === 'dir' ? 4096 : n.data.length
    const links = n.kind === 'dir' ? 2 + [...n.children.values()].filter((x) => x.kind === 'dir').length : 1
    return `${modeString(n)} ${String(links).padStart(2)} ${nameOf(c, n.uid, 'user')} ${nameOf(c, n.gid, 'group')} ${String(opts.has('h') ? human(size) : size).padStart(5)} ${stamp(n.mtime)} ${name}`
  }
  const files: string[] = []
  for (const t of targets) {
    const n = c.sh.fs.lookup(abs(c, t), c.sh.user)
    if (typeof n === 'string') {
      c.err(`ls: cannot access '${t}': ${FS_ERROR_TEXT[n]}\n`)
      status = 2
      continue
    }
    if (n.kind === 'file' || opts.has('d')) {
      files.push(long ? line(t, n) : t)
      continue
    }
    const names = c.sh.fs.list(abs(c, t), c.sh.user)
    if (typeof names === 'string') {
      c.err(`ls: cannot open directory '${t}': ${FS_ERROR_TEXT[names]}\n`)
      status = 2
      continue
    }
    const shown = names.filter((x) => all || !x.startsWith('.'))
    const rows: string[] = []
    if (long) {
      let blocks = 0
      if (opts.has('a')) {
        const parent = c.sh.fs.lookup(splitPath(abs(c, t)).dir, c.sh.user)
        rows.push(line('.', n), line('..', typeof parent === 'string' ? n : parent))
      }
      for (const x of shown) {
        const child = n.children.get(x) as FsNode
        blocks += child.kind === 'dir' ? 4 : Math.ceil(child.data.length / 4096) * 4
        rows.push(line(x, child))
      }
      rows.unshift(`total ${blocks}`)
    } else {
      if (opts.has('a')) rows.push('.', '..')
      rows.push(...shown)
    }
    const body = long || one ? rows.join('\n') : rows.join('  ')
    sections.push((targets.length > 1 ? `${t}:\n` : '') + body)
  }
  if (files.length) sections.unshift(long || one ? files.join('\n') : files.join('  '))
  const text = sections.filter((s) => s !== '').join('\n\n')
  if (text) c.out(text + '\n')
  return status
}

const cd: CommandFn = (c) => {
  const target = c.argv[1] === undefined || c.argv[1] === '~' ? c.sh.user.home : c.argv[1] === '-' ? (c.sh.env.get('OLDPWD') ?? c.sh.cwd) : c.argv[1]
  const p = abs(c, target)
  const n = c.sh.fs.lookup(p, c.sh.user)
  if (typeof n === 'string' || n.kind !== 'dir') {
    c.err(`-bash: cd: ${target}: ${typeof n === 'string' ? FS_ERROR_TEXT[n] : 'Not a directory'}\n`)
    return 1
  }
  c.sh.env.set('OLDPWD', c.sh.cwd)
  c.sh.cwd = p
  setUserEnv(c.sh)
  if (c.argv[1] === '-') c.out(p + '\n')
  return 0
}

const cat: CommandFn = (c) => {
  const { args } = flags(c.argv)
  if (args.length === 0) {
    c.out(c.stdin)
    return 0
  }
  let status = 0
  for (const a of args) {
    if (a === '-') {
      c.out(c.stdin)
      continue
    }
    const data = c.sh.fs.readFile(abs(c, a), c.sh.user)
    if (typeof data === 'string') {
      fail(c, 'cat', a, data)
      status = 1
    } else c.out(data.toString('utf8'))
  }
  return status
}

const mkdir: CommandFn = (c) => {
  const { opts, args } = flags(c.argv)
  if (!args.length) {
    c.err("mkdir: missing operand\nTry 'mkdir --help' for more information.\n")
    return 1
  }
  let status = 0
  for (const a of args) {
    const e = c.sh.fs.mkdir(abs(c, a), c.sh.user, { parents: opts.has('p') })
    if (e) {
      c.err(`mkdir: cannot create directory '${a}': ${FS_ERROR_TEXT[e]}\n`)
      status = 1
    }
  }
  return status
}

const touch: CommandFn = (c) => {
  const { args } = flags(c.argv)
  let status = 0
  for (const a of args) {
    const e = c.sh.fs.writeFile(abs(c, a), Buffer.alloc(0), c.sh.user, { append: true })
    if (e) {
      c.err(`touch: cannot touch '${a}': ${FS_ERROR_TEXT[e]}\n`)
      status = 1
    }
  }
  return status
}

const rm: CommandFn = (c) => {
  const { opts, args } = flags(c.argv)
  const force = opts.has('f')
  let status = 0
  if (!args.length && !force) {
    c.err("rm: missing operand\nTry 'rm --help' for more information.\n")
    return 1
  }
  for (const a of args) {
    const p = abs(c, a)
    if (p === '/' ) {
      c.err("rm: it is dangerous to operate recursively on '/'\nrm: use --no-preserve-root to override this failsafe\n")
      status = 1
      continue
    }
    const e = c.sh.fs.remove(p, c.sh.user, { recursive: opts.has('r') || opts.has('R') })
    if (e === 'EISDIR') {
      c.err(`rm: cannot remove '${a}': Is a directory\n`)
      status = 1
    } else if (e && !(force && e === 'ENOENT')) {
      c.err(`rm: cannot remove '${a}': ${FS_ERROR_TEXT[e]}\n`)
      status = 1
    }
  }
  return status
}

const rmdir: CommandFn = (c) => {
  let status = 0
  for (const a of flags(c.argv).args) {
    const n = c.sh.fs.lookup(abs(c, a), c.sh.user)
    const e = typeof n === 'string' ? n : n.kind !== 'dir' ? 'ENOTDIR' : c.sh.fs.remove(abs(c, a), c.sh.user, { dirOk: true })
    if (e) {
      c.err(`rmdir: failed to remove '${a}': ${FS_ERROR_TEXT[e]}\n`)
      status = 1
    }
  }
  return status
}

const chmod: CommandFn = (c) => {
  const { args } = flags(c.argv.filter((a) => !/^[+-][rwxXst]+$/.test(a) || a === '--'))
  const modeArg = c.argv.slice(1).find((a) => !a.startsWith('-') || /^-[rwxXst]+$/.test(a))
  if (!modeArg || args.length < 1) {
    c.err("chmod: missing operand\nTry 'chmod --help' for more information.\n")
    return 1
  }
  const files = args.filter((a) => a !== modeArg)
  let status = 0
  for (const a of files) {
    const n = c.sh.fs.lookup(abs(c, a), c.sh.user)
    if (typeof n === 'string') {
      c.err(`chmod: cannot access '${a}': ${FS_ERROR_TEXT[n]}\n`)
      status = 1
      continue
    }
    let mode = n.mode
    if (/^[0-7]{1,4}$/.test(modeArg)) mode = parseInt(modeArg, 8)
    else {
      const m = /^([ugoa]*)([+-=])([rwxXst]*)$/.exec(modeArg)
      if (!m) {
        c.err(`chmod: invalid mode: '${modeArg}'\n`)
        return 1
      }
      const who = m[1] || 'a'
      let bits = 0
      for (const p of m[3] as string) bits |= p === 'r' ? 4 : p === 'w' ? 2 : p === 'x' || p === 'X' ? 1 : 0
      let mask = 0
      if (/[ua]/.test(who)) mask |= bits << 6
      if (/[ga]/.test(who)) mask |= bits << 3
      if (/[oa]/.test(who)) mask |= bits
      mode = m[2] === '+' ? mode | mask : m[2] === '-' ? mode & ~mask : mask
    }
    const e = c.sh.fs.chmod(abs(c, a), mode, c.sh.user)
    if (e) {
      c.err(`chmod: changing permissions of '${a}': Operation not permitted\n`)
      status = 1
    }
  }
  return status
}

const cpmv = (kind: 'cp' | 'mv'): CommandFn => (c) => {
  const { args } = flags(c.argv)
  if (args.length < 2) {
    c.err(`${kind}: missing file operand\nTry '${kind} --help' for more information.\n`)
    return 1
  }
  const dest = args[args.length - 1] as string
  let status = 0
  for (const src of args.slice(0, -1)) {
    const s = abs(c, src)
    if (kind === 'mv') {
      const e = c.sh.fs.rename(s, abs(c, dest), c.sh.user)
      if (e) {
        c.err(`mv: cannot move '${src}' to '${dest}': ${FS_ERROR_TEXT[e]}\n`)
        status = 1
      }
      continue
    }
    const data = c.sh.fs.readFile(s, c.sh.user)
    if (typeof data === 'string') {
      c.err(data === 'EISDIR' ? `cp: -r not specified; omitting directory '${src}'\n` : `cp: cannot stat '${src}': ${FS_ERROR_TEXT[data]}\n`)
      status = 1
      continue
    }
    const d = c.sh.fs.lookup(abs(c, dest), c.sh.user)
    const target = typeof d !== 'string' && d.kind === 'dir' ? `${abs(c, dest)}/${splitPath(s).base}` : abs(c, dest)
    const e = c.sh.fs.writeFile(target, Buffer.from(data), c.sh.user)
    if (e) {
      c.err(`cp: cannot create regular file '${dest}': ${FS_ERROR_TEXT[e]}\n`)
      status = 1
    }
  }
  return status
}

const headTail = (kind: 'head' | 'tail'): CommandFn => (c) => {
  let n = 10
  const files: string[] = []
  for (let i = 1; i < c.argv.length; i++) {
    const a = c.argv[i] as string
    if (a === '-n' || a === '-c') n = parseInt(c.argv[++i] ?? '10', 10) || 0
    else if (/^-n?\d+$/.test(a)) n = parseInt(a.replace(/^-n?/, ''), 10)
    else if (a === '-f' || a === '-F' || a === '-q') continue
    else files.push(a)
  }
  const inputs: string[] = []
  if (!files.length) inputs.push(c.stdin)
  for (const f of files) {
    const d = c.sh.fs.readFile(abs(c, f), c.sh.user)
    if (typeof d === 'string') {
      c.err(`${kind}: cannot open '${f}' for reading: ${FS_ERROR_TEXT[d]}\n`)
      return 1
    }
    inputs.push(d.toString('utf8'))
  }
  for (const text of inputs) {
    const lines = text.split('\n')
    if (lines[lines.length - 1] === '') lines.pop()
    const pick = kind === 'head' ? lines.slice(0, n) : lines.slice(Math.max(0, lines.length - n))
    if (pick.length) c.out(pick.join('\n') + '\n')
  }
  return 0
}

export const FILE_COMMANDS: Record<string, CommandFn> = {
  ls, dir: ls, cd, cat, mkdir, touch, rm, rmdir, chmod, cp: cpmv('cp'), mv: cpmv('mv'), head: headTail('head'), tail: headTail('tail'),
  pwd: (c) => {
    c.out(c.sh.cwd + '\n')
    return 0
  },
  chown: (c) => {
    if (c.sh.user.uid !== 0) {
      c.err(`chown: changing ownership of '${c.argv[c.argv.length - 1] ?? ''}': Operation not permitted\n`)
      return 1
    }
    return 0
  },
  chattr: () => 0,
  lsattr: (c) => {
    for (const a of flags(c.argv).args) c.out(`--------------e------- ${a}\n`)
    return 0
  },
}
