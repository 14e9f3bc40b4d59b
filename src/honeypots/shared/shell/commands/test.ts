// test / [ (the forms scripts use), break and continue.
import type { CmdContext, CommandFn } from '../types.js'
import { abs } from './files.js'

function unary(c: CmdContext, op: string, arg: string): boolean | undefined {
  if (op === '-z') return arg === ''
  if (op === '-n') return arg !== ''
  const n = c.sh.fs.lookup(abs(c, arg), c.sh.user)
  const found = typeof n !== 'string'
  switch (op) {
    case '-e':
    case '-a':
      return found
    case '-f':
      return found && n.kind === 'file'
    case '-d':
      return found && n.kind === 'dir'
    case '-s':
      return found && n.kind === 'file' && n.data.length > 0
    case '-x':
      return found && (n.mode & 0o111) !== 0
    case '-r':
    case '-w':
      return found
    case '-L':
    case '-h':
      return false
    default:
      return undefined
  }
}

function binary(a: string, op: string, b: string): boolean | undefined {
  const x = Number.parseInt(a, 10)
  const y = Number.parseInt(b, 10)
  switch (op) {
    case '=':
    case '==':
      return a === b
    case '!=':
      return a !== b
    case '-eq':
      return x === y
    case '-ne':
      return x !== y
    case '-gt':
      return x > y
    case '-lt':
      return x < y
    case '-ge':
      return x >= y
    case '-le':
      return x <= y
    default:
      return undefined
  }
}

function evaluate(c: CmdContext, args: string[]): boolean | undefined {
  if (args[0] === '!') {
    const r = evaluate(c, args.slice(1))
    return r === undefined ? undefined : !r
  }
  const ai = args.indexOf('-a')
  if (ai > 0) return evaluate(c, args.slice(0, ai)) === true && evaluate(c, args.slice(ai + 1)) === true
  const oi = args.indexOf('-o')
  if (oi > 0) return evaluate(c, args.slice(0, oi)) === true || evaluate(c, args.slice(oi + 1)) === true
  if (args.length === 0) return false
  if (args.length === 1) return args[0] !== ''
  if (args.length === 2) return unary(c, args[0] as string, args[1] as string)
  if (args.length === 3) return binary(args[0] as string, args[1] as string, args[2] as string)
  return undefined
}

const testCmd: CommandFn = (c) => {
  let args = c.argv.slice(1)
  const bracket = c.argv[0] === '[' || c.argv[0] === '[['
  if (bracket) {
    const close = c.argv[0] === '[' ? ']' : ']]'
    if (args[args.length - 1] !== close) {
      c.err(`-bash: ${c.argv[0]}: missing \`${close}'\n`)
      return 2
    }
    args = args.slice(0, -1)
  }
  const r = evaluate(c, args)
  if (r === undefined) {
    c.err(`-bash: ${c.argv[0]}: ${args[0] ?? ''}: unary operator expected\n`)
    return 2
  }
  return r ? 0 : 1
}

const loopControl = (kind: 'break' | 'continue'): CommandFn => (c) => {
  if (!c.sh.loopDepth) {
    c.err(`-bash: ${kind}: only meaningful in a \`for', \`while', or \`until' loop\n`)
    return 0
  }
  c.sh.loopControl = kind
  return 0
}

export const TEST_COMMANDS: Record<string, CommandFn> = {
  test: testCmd, '[': testCmd, '[[': testCmd, break: loopControl('break'), continue: loopControl('continue'),
}
