// Commands that describe the machine: uname, id, ps, w, uptime, free, df ...
import type { CmdContext, CommandFn, ShellState } from '../types.js'
import { flags } from './files.js'
import { lookupCommand } from '../lookup.js'

export function uptimeText(sh: ShellState, now = Date.now()): string {
  const d = new Date(now)
  const hhmmss = d.toISOString().slice(11, 19)
  const secs = Math.floor((now - sh.persona.bootTime) / 1000)
  const days = Math.floor(secs / 86400)
  const h = Math.floor((secs % 86400) / 3600)
  const m = Math.floor((secs % 3600) / 60)
  const up = (days ? `${days} day${days === 1 ? '' : 's'}, ` : '') + (h ? `${String(h).padStart(2)}:${String(m).padStart(2, '0')}` : `${m} min`)
  return ` ${hhmmss} up ${up},  1 user,  load average: 0.08, 0.03, 0.01`
}

const RHEL_LIKE = new Set(['rocky9', 'centos7', 'fedora'])

const uname: CommandFn = (c) => {
  const { opts } = flags(c.argv)
  const p = c.sh.persona
  const os = p.distro.slug === 'alpine' ? 'Linux' : 'GNU/Linux'
  const fields: [string, string][] = [
    ['s', 'Linux'], ['n', p.hostname], ['r', p.distro.kernel], ['v', p.distro.kernelBuild], ['m', 'x86_64'],
    ['p', RHEL_LIKE.has(p.distro.slug) ? 'x86_64' : 'unknown'], ['i', RHEL_LIKE.has(p.distro.slug) ? 'x86_64' : 'unknown'], ['o', os],
  ]
  if (opts.has('a') || opts.has('--all')) {
    // RHEL's coreutils report processor and hardware platform; Debian's print "unknown" and -a omits them
    const hw = RHEL_LIKE.has(p.distro.slug) ? ['x86_64', 'x86_64', 'x86_64'] : ['x86_64']
    c.out(['Linux', p.hostname, p.distro.kernel, p.distro.kernelBuild, ...hw, os].join(' ') + '\n')
    return 0
  }
  const picked = fields.filter(([k]) => opts.has(k) || (k === 'r' && opts.has('--kernel-release')))
  c.out((picked.length ? picked.map(([, v]) => v) : ['Linux']).join(' ') + '\n')
  return 0
}

function idText(sh: ShellState): string {
  const u = sh.user
  return `uid=${u.uid}(${u.name}) gid=${u.gid}(${u.groups[0]?.name ?? u.name}) groups=${u.groups.map((g) => `${g.gid}(${g.name})`).join(',')}`
}

function psRows(sh: ShellState): string[][] {
  const boot = new Date(sh.persona.bootTime)
  const start = `${String(boot.getUTCHours()).padStart(2, '0')}:${String(boot.getUTCMinutes()).padStart(2, '0')}`
  const me = sh.user.name
  const shell = sh.user.shell.split('/').pop() ?? 'bash'
  const daemon = sh.host.service === 'ssh' ? 'sshd' : 'login'
  const pts = sh.host.tty.replace('/dev/', '')
  // USER PID %CPU %MEM VSZ RSS TTY STAT START TIME COMMAND
  return [
    ['root', '1', '0.0', '0.2', '167744', '11964', '?', 'Ss', start, '0:04', '/sbin/init'],
    ['root', '2', '0.0', '0.0', '0', '0', '?', 'S', start, '0:00', '[kthreadd]'],
    ['root', '312', '0.0', '0.3', '48236', '15872', '?', 'Ss', start, '0:01', '/lib/systemd/systemd-journald'],
    ['root', '587', '0.0', '0.1', '7284', '2812', '?', 'Ss', start, '0:00', '/usr/sbin/cron -f'],
    ['root', '601', '0.0', '0.1', '221800', '5212', '?', 'Ssl', start, '0:02', '/usr/sbin/rsyslogd -n -iNONE'],
    ['root', '644', '0.0', '0.2', '15432', '9240', '?', 'Ss', start, '0:00', 'sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups'],
    ['root', '2211', '0.0', '0.2', '17172', '10980', '?', 'Ss', '00:00', '0:00', `${daemon}: ${me} [priv]`],
    [me, '2230', '0.0', '0.1', '8924', '5508', pts, 'Ss', '00:00', '0:00', `-${shell}`],
    [me, '2291', '0.0', '0.0', '10072', '3284', pts, 'R+', '00:00', '0:00', 'ps aux'],
  ]
}

const ps: CommandFn = (c) => {
  const a = c.argv.slice(1).join(' ')
  const rows = psRows(c.sh)
  if (/a|x|e|-A/.test(a)) {
    if (/-e|-A|f/.test(a) && !/u/.test(a)) {
      c.out('UID          PID    PPID  C STIME TTY          TIME CMD\n')
      for (const r of rows) c.out(`${(r[0] as string).padEnd(8)} ${(r[1] as string).padStart(7)}       1  0 ${r[8]} ${(r[6] as string).padEnd(8)} 00:00:00 ${r[10]}\n`)
      return 0
    }
    c.out('USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n')
    for (const r of rows) {
      c.out(`${(r[0] as string).padEnd(8)} ${(r[1] as string).padStart(7)} ${(r[2] as string).padStart(4)} ${(r[3] as string).padStart(4)} ${(r[4] as string).padStart(6)} ${(r[5] as string).padStart(5)} ${(r[6] as string).padEnd(8)} ${(r[7] as string).padEnd(4)} ${(r[8] as string).padStart(5)} ${(r[9] as string).padStart(6)} ${r[10]}\n`)
    }
    return 0
  }
  const pts = c.sh.host.tty.replace('/dev/', '')
  c.out(`    PID TTY          TIME CMD\n   2230 ${pts.padEnd(8)} 00:00:00 bash\n   2291 ${pts.padEnd(8)} 00:00:00 ps\n`)
  return 0
}

const w: CommandFn = (c) => {
  const sh = c.sh
  c.out(`${uptimeText(sh)}\nUSER     TTY      FROM             LOGIN@   IDLE   JCPU   PCPU WHAT\n`)
  c.out(`${sh.user.name.padEnd(8)} ${sh.host.tty.replace('/dev/', '').padEnd(8)} ${sh.host.peerIp.padEnd(16)} ${new Date(sh.started).toISOString().slice(11, 16)}    0.00s  0.02s  0.00s w\n`)
  return 0
}

const free: CommandFn = (c) => {
  const { opts } = flags(c.argv)
  const total = c.sh.persona.memKb
  const used = Math.floor(total * 0.28)
  const freeKb = Math.floor(total * 0.41)
  const cache = total - used - freeKb
  const f = (kb: number) => (opts.has('h') ? `${(kb / 1024 / 1024).toFixed(1)}Gi` : opts.has('m') ? String(Math.floor(kb / 1024)) : opts.has('g') ? String(Math.floor(kb / 1048576)) : String(kb))
  c.out('               total        used        free      shared  buff/cache   available\n')
  c.out(`Mem:    ${[total, used, freeKb, 1204, cache, Math.floor(total * 0.7)].map((v) => f(v).padStart(12)).join('')}\n`)
  c.out(`Swap:   ${[0, 0, 0].map((v) => f(v).padStart(12)).join('')}\n`)
  return 0
}

const df: CommandFn = (c) => {
  const h = flags(c.argv).opts.has('h')
  const size = c.sh.persona.diskGb
  const used = Math.round(size * 0.37 * 10) / 10
  const memG = Math.round(c.sh.persona.memKb / 1048576)
  if (h) {
    c.out('Filesystem      Size  Used Avail Use% Mounted on\n')
    c.out(`udev            ${memG}.0G     0  ${memG}.0G   0% /dev\n`)
    c.out(`tmpfs           ${Math.max(1, Math.round(memG / 5))}00M  1.1M  ${Math.max(1, Math.round(memG / 5))}00M   1% /run\n`)
    c.out(`/dev/vda1       ${String(size).padStart(3)}G  ${String(used).padStart(4)}G  ${String(Math.round((size - used) * 10) / 10).padStart(3)}G  ${Math.round((used / size) * 100)}% /\n`)
    c.out(`tmpfs           ${memG}.0G     0  ${memG}.0G   0% /dev/shm\n`)
    return 0
  }
  const k = size * 1048576
  const u = Math.floor(used * 1048576)
  c.out('Filesystem     1K-blocks    Used Available Use% Mounted on\n')
  c.out(`/dev/vda1      ${String(k).padStart(9)} ${String(u).padStart(7)} ${String(k - u).padStart(9)}  ${Math.round((used / size) * 100)}% /\n`)
  return 0
}

const which: CommandFn = (c) => {
  let status = 0
  for (const a of flags(c.argv).args) {
    const fn = lookupCommand(a)
    if (!fn || ['cd', 'export', 'history', 'exit', 'logout', 'unset', 'type', 'alias'].includes(a)) {
      status = 1
      continue
    }
    const inBin = c.sh.fs.lookup(`/bin/${a}`)
    c.out(`${typeof inBin === 'string' ? '/usr/bin' : '/usr/bin'}/${a}\n`)
  }
  return status
}

const date: CommandFn = (c) => {
  const d = new Date()
  const fmt = c.argv[1]
  if (fmt === '+%s') c.out(`${Math.floor(d.getTime() / 1000)}\n`)
  else c.out(d.toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) (\S+) GMT$/, (_m, wd: string, day: string, mon: string, y: string, t: string) => `${wd} ${mon} ${day.padStart(2)} ${t} UTC ${y}`) + '\n')
  return 0
}

const history: CommandFn = (c) => {
  const h = c.sh.history
  if (c.argv[1] === '-c') {
    h.length = 0
    return 0
  }
  h.forEach((line, i) => c.out(`${String(i + 1).padStart(5)}  ${line}\n`))
  return 0
}

const exitCmd: CommandFn = (c) => {
  const prev = c.sh.userStack.pop()
  if (prev) {
    c.sh.user = prev
    c.sh.cwd = prev.home
    c.sh.env.set('USER', prev.name)
    c.sh.env.set('HOME', prev.home)
    c.out('exit\n')
    return 0
  }
  c.sh.exited = true
  return parseInt(c.argv[1] ?? '0', 10) || 0
}

const env: CommandFn = (c) => {
  for (const [k, v] of c.sh.env) c.out(`${k}=${v}\n`)
  return 0
}

function lscpu(c: CmdContext): number {
  const p = c.sh.persona
  c.out(`Architecture:            x86_64\n  CPU op-mode(s):        32-bit, 64-bit\n  Address sizes:         46 bits physical, 48 bits virtual\n  Byte Order:            Little Endian\nCPU(s):                  ${p.cores}\n  On-line CPU(s) list:   0-${p.cores - 1}\nVendor ID:               ${p.cpuModel.startsWith('AMD') ? 'AuthenticAMD' : 'GenuineIntel'}\n  Model name:            ${p.cpuModel}\n    Thread(s) per core:  1\n    Core(s) per socket:  ${p.cores}\n    Socket(s):           1\nVirtualization features: \n  Hypervisor vendor:     KVM\n  Virtualization type:   full\n`)
  return 0
}

export const SYSTEM_COMMANDS: Record<string, CommandFn> = {
  uname, ps, w, free, df, which, date, history, env, printenv: env, lscpu,
  exit: exitCmd, logout: exitCmd,
  whoami: (c) => {
    c.out(c.sh.user.name + '\n')
    return 0
  },
  id: (c) => {
    c.out(idText(c.sh) + '\n')
    return 0
  },
  groups: (c) => {
    c.out(c.sh.user.groups.map((g) => g.name).join(' ') + '\n')
    return 0
  },
  hostname: (c) => {
    const a = c.argv[1]
    if (a && !a.startsWith('-')) {
      c.err('hostname: you must be root to change the host name\n')
      return 1
    }
    c.out((a === '-I' || a === '-i' ? c.sh.persona.ip : c.sh.persona.hostname) + (a === '-I' ? ' ' : '') + '\n')
    return 0
  },
  uptime: (c) => {
    if (c.argv[1] === '-p') {
      const mins = Math.floor((Date.now() - c.sh.persona.bootTime) / 60000)
      c.out(`up ${Math.floor(mins / 1440)} days, ${Math.floor((mins % 1440) / 60)} hours, ${mins % 60} minutes\n`)
    } else c.out(uptimeText(c.sh) + '\n')
    return 0
  },
  who: (c) => {
    c.out(`${c.sh.user.name.padEnd(8)} ${c.sh.host.tty.replace('/dev/', '').padEnd(12)} ${new Date(c.sh.started).toISOString().slice(0, 16).replace('T', ' ')} (${c.sh.host.peerIp})\n`)
    return 0
  },
  nproc: (c) => {
    c.out(`${c.sh.persona.cores}\n`)
    return 0
  },
  top: (c) => {
    c.out(`top - ${uptimeText(c.sh).trim()}\nTasks:  97 total,   1 running,  96 sleeping,   0 stopped,   0 zombie\n%Cpu(s):  0.3 us,  0.2 sy,  0.0 ni, 99.5 id,  0.0 wa,  0.0 hi,  0.0 si,  0.0 st\n`)
    return ps({ ...c, argv: ['ps', 'aux'] })
  },
  export: (c) => {
    for (const a of c.argv.slice(1)) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(a)
      if (m) c.sh.env.set(m[1] as string, (m[2] as string).slice(0, 4096))
    }
    return 0
  },
  unset: (c) => {
    for (const a of c.argv.slice(1)) c.sh.env.delete(a)
    return 0
  },
  alias: () => 0,
  type: (c) => {
    for (const a of c.argv.slice(1)) {
      if (['cd', 'echo', 'export', 'history', 'exit', 'pwd', 'type', 'alias'].includes(a)) c.out(`${a} is a shell builtin\n`)
      else if (lookupCommand(a)) c.out(`${a} is /usr/bin/${a}\n`)
      else {
        c.err(`-bash: type: ${a}: not found\n`)
        return 1
      }
    }
    return 0
  },
  command: (c) => {
    if (c.argv[1] === '-v') {
      const a = c.argv[2] ?? ''
      if (!lookupCommand(a)) return 1
      c.out(`/usr/bin/${a}\n`)
      return 0
    }
    return c.run(c.argv.slice(1).join(' '))
  },
  crontab: (c) => {
    if (c.argv.includes('-l')) {
      c.err(`no crontab for ${c.sh.user.name}\n`)
      return 1
    }
    return 0
  },
  kill: () => 0,
  pkill: () => 1,
  killall: () => 1,
  systemctl: (c) => {
    const unit = c.argv[2]
    if (unit) c.err(`Unit ${unit.endsWith('.service') ? unit : unit + '.service'} could not be found.\n`)
    return unit ? 4 : 0
  },
  service: (c) => {
    c.err(`${c.argv[1] ?? ''}: unrecognized service\n`)
    return 1
  },
  lsb_release: (c) => {
    const os = c.sh.persona.distro.osRelease
    const get = (k: string) => new RegExp(`^${k}="?([^"\\n]*)`, 'm').exec(os)?.[1] ?? ''
    c.out(`Distributor ID:\t${get('NAME').split(' ')[0]}\nDescription:\t${get('PRETTY_NAME')}\nRelease:\t${get('VERSION_ID')}\nCodename:\t${get('VERSION_CODENAME')}\n`)
    return 0
  },
  last: (c) => {
    const p = c.sh.persona
    c.out(`root     pts/0        ${p.lastLoginFrom.padEnd(16)} ${p.lastLoginAt.toUTCString().slice(0, 22)}   still logged in\n\nwtmp begins ${new Date(p.bootTime).toUTCString().slice(0, 22)}\n`)
    return 0
  },
  dmesg: (c) => {
    if (c.sh.user.uid !== 0) {
      c.err('dmesg: read kernel buffer failed: Operation not permitted\n')
      return 1
    }
    c.out(`[    0.000000] Linux version ${c.sh.persona.distro.kernel} ${c.sh.persona.distro.kernelBuild}\n[    0.000000] Hypervisor detected: KVM\n`)
    return 0
  },
}
