// sudo, su, passwd and the wrappers that run another command line
// (sh -c, bash -c, nohup). Passwords typed at these prompts are credentials.
import { encodeSecret } from '../../../../events/event.js'
import { setUserEnv } from '../env.js'
import type { ShellUser } from '../persona.js'
import type { CmdContext, CommandFn } from '../types.js'

const SUDO_TRIES = 3

function quote(args: string[]): string {
  return args.map((a) => (/^[A-Za-z0-9_./=:@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')
}

function become(c: CmdContext, u: ShellUser, login: boolean): void {
  c.sh.userStack.push(c.sh.user)
  c.sh.user = u
  if (login) c.sh.cwd = u.home
  setUserEnv(c.sh)
}

/** Asks for the invoking user's password like sudo; true when it matched. */
async function sudoAuth(c: CmdContext): Promise<boolean> {
  const me = c.sh.user
  if (me.uid === 0 || c.sh.sudoOk) return true
  const read = c.sh.host.readSecret
  if (!read) {
    c.err('sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper\nsudo: a password is required\n')
    return false
  }
  for (let i = 0; i < SUDO_TRIES; i++) {
    const pw = await read(`[sudo] password for ${me.name}: `)
    if (pw === undefined) return false
    const ok = me.password !== undefined && pw === me.password && me.sudo
    c.sh.host.emit('auth_attempt', {
      method: 'sudo', username: me.name, principal: me.name, secret_kind: 'plaintext', ...encodeSecret(pw), outcome: ok ? 'success' : 'failure',
    })
    if (ok) {
      c.sh.sudoOk = true
      return true
    }
    if (i < SUDO_TRIES - 1) c.err('Sorry, try again.\n')
  }
  c.err(`sudo: ${SUDO_TRIES} incorrect password attempts\n`)
  return false
}

const sudo: CommandFn = async (c) => {
  let i = 1
  let login = false
  let shell = false
  let list = false
  let validate = false
  for (; i < c.argv.length; i++) {
    const a = c.argv[i] as string
    if (a === '-i') login = true
    else if (a === '-s') shell = true
    else if (a === '-u') i++
    else if (a === '-l' || a === '-ll') list = true
    else if (a === '-v') validate = true
    else if (a === '-V') {
      c.out('Sudo version 1.9.13p3\nSudoers policy plugin version 1.9.13p3\nSudoers file grammar version 50\n')
      return 0
    } else if (a === '-S' || a === '-n' || a === '-E' || a === '-H' || a === '-k') continue
    else break
  }
  if (list || validate) {
    if (!(await sudoAuth(c))) return 1
    if (list) {
      const h = c.sh.persona.hostname.split('.')[0]
      c.out(`Matching Defaults entries for ${c.sh.user.name} on ${h}:\n    env_reset, mail_badpass, secure_path=/usr/local/sbin\\:/usr/local/bin\\:/usr/sbin\\:/usr/bin\\:/sbin\\:/bin, use_pty\n\nUser ${c.sh.user.name} may run the following commands on ${h}:\n    (ALL : ALL) ALL\n`)
    }
    return 0
  }
  const rest = c.argv.slice(i)
  if (!rest.length && !login && !shell) {
    c.err('usage: sudo -h | -K | -k | -V\nusage: sudo -v [-ABkNnS] [-g group] [-h host] [-p prompt] [-u user]\n')
    return 1
  }
  if (!(await sudoAuth(c))) return 1
  const root = c.sh.persona.users.find((u) => u.uid === 0) as ShellUser
  const first = rest[0]?.split('/').pop()
  if (login || shell || (first && ['su', 'bash', 'sh', 'ash'].includes(first) && rest.length <= 2)) {
    become(c, root, login || first === 'su')
    return 0
  }
  const prev = c.sh.user
  c.sh.user = root
  setUserEnv(c.sh)
  try {
    return await c.run(quote(rest))
  } finally {
    if (c.sh.user === root) c.sh.user = prev
    setUserEnv(c.sh)
  }
}

const su: CommandFn = async (c) => {
  const args = c.argv.slice(1).filter((a) => a !== '-' && a !== '-l' && a !== '--login')
  const login = c.argv.length > 1 && args.length < c.argv.length - 1
  const name = args.find((a) => !a.startsWith('-')) ?? 'root'
  const target = c.sh.persona.users.find((u) => u.name === name)
  if (!target) {
    c.err(`su: user ${name} does not exist or the user entry does not contain all the required fields\n`)
    return 1
  }
  if (c.sh.user.uid !== 0) {
    const read = c.sh.host.readSecret
    if (!read) {
      c.err('su: must be run from a terminal\n')
      return 1
    }
    const pw = await read('Password: ')
    if (pw === undefined) return 1
    const ok = target.password !== undefined && pw === target.password
    c.sh.host.emit('auth_attempt', {
      method: 'su', username: target.name, principal: target.name, secret_kind: 'plaintext', ...encodeSecret(pw), outcome: ok ? 'success' : 'failure',
    })
    if (!ok) {
      c.err('su: Authentication failure\n')
      return 1
    }
  }
  become(c, target, login)
  return 0
}

const passwd: CommandFn = async (c) => {
  const read = c.sh.host.readSecret
  const name = c.argv[1] && !c.argv[1].startsWith('-') ? c.argv[1] : c.sh.user.name
  if (!read) {
    c.err('passwd: Authentication token manipulation error\npasswd: password unchanged\n')
    return 1
  }
  c.out(`Changing password for ${name}.\n`)
  if (c.sh.user.uid !== 0) await read('Current password: ')
  const a = await read('New password: ')
  const b = a === undefined ? undefined : await read('Retype new password: ')
  if (a === undefined || b === undefined) return 1
  c.sh.host.emit('password_change', { username: name, principal: name, secret_kind: 'plaintext', ...encodeSecret(a), matched: a === b })
  if (a !== b) {
    c.err('Sorry, passwords do not match.\npasswd: Authentication token manipulation error\npasswd: password unchanged\n')
    return 10
  }
  c.out('passwd: password updated successfully\n')
  return 0
}

const chpasswd: CommandFn = (c) => {
  for (const line of c.stdin.split('\n')) {
    const i = line.indexOf(':')
    if (i <= 0) continue
    const user = line.slice(0, i)
    c.sh.host.emit('password_change', { username: user, principal: user, secret_kind: 'plaintext', ...encodeSecret(line.slice(i + 1)), via: 'chpasswd' })
  }
  return 0
}

const shellCmd: CommandFn = async (c) => {
  const ci = c.argv.indexOf('-c')
  if (ci > 0 && c.argv[ci + 1] !== undefined) return c.run(c.argv[ci + 1] as string)
  if (c.argv.length > 1) {
    // bash script.sh: the file is read, never executed; lines run in the emulator
    const file = c.argv.find((a, i) => i > 0 && !a.startsWith('-'))
    if (file) {
      const data = c.sh.fs.readFile(file.startsWith('/') ? file : `${c.sh.cwd}/${file}`, c.sh.user)
      if (typeof data === 'string') {
        c.err(`${c.argv[0]}: ${file}: No such file or directory\n`)
        return 127
      }
      return c.run(data.toString('utf8').slice(0, 64 * 1024))
    }
  }
  if (c.stdin) return c.run(c.stdin.slice(0, 64 * 1024))
  return 0
}

export const ACCOUNT_COMMANDS: Record<string, CommandFn> = {
  sudo, su, passwd, chpasswd, sh: shellCmd, bash: shellCmd, dash: shellCmd,
  nohup: (c) => (c.argv.length > 1 ? c.run(quote(c.argv.slice(1))) : 0),
  timeout: (c) => (c.argv.length > 2 ? c.run(quote(c.argv.slice(2))) : 0),
}
