// What a login prints before the first prompt: Debian's uname line + motd,
// Ubuntu's motd, then "Last login: <date> from <ip>" (sshd PrintLastLog).
import type { ShellUser } from '../shared/shell/persona.js'
import type { SshRuntime } from './runtime.js'

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** ctime(3) shape, in UTC: "Thu Nov 27 10:11:12 2026". */
export function ctime(d: Date): string {
  const t = d.toISOString().slice(11, 19)
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${t} ${d.getUTCFullYear()}`
}

export function loginBanner(rt: SshRuntime, user: ShellUser, peerIp: string): string {
  const p = rt.persona
  const d = p.distro
  let text = ''
  if (d.slug === 'debian' || d.slug === 'kali') text += `Linux ${p.hostname} ${d.kernel} ${d.kernelBuild} x86_64\n`
  text += d.motd
  if (d.slug.startsWith('ubuntu')) text += '\n'
  const prev = rt.lastLogins.get(user.name) ?? { at: p.lastLoginAt, from: p.lastLoginFrom }
  text += `Last login: ${ctime(prev.at)} from ${prev.from}\n`
  rt.lastLogins.set(user.name, { at: new Date(), from: peerIp })
  return text
}
