// Seeds the fake filesystem for one decky: accounts, OS identity files, /proc,
// home directories with bait files.
import type { SeededRng } from '../../../runtime/rng.js'
import { FakeFs } from './fs.js'
import type { ShellPersona } from './persona.js'

const BIN_NAMES = [
  'bash', 'cat', 'chmod', 'chown', 'cp', 'date', 'dd', 'df', 'echo', 'grep', 'gzip', 'hostname', 'kill', 'ln', 'ls', 'mkdir',
  'mktemp', 'more', 'mount', 'mv', 'ps', 'pwd', 'rm', 'rmdir', 'sed', 'sh', 'sleep', 'su', 'sync', 'tar', 'touch', 'umount', 'uname',
]
const USR_BIN_NAMES = [
  'awk', 'base64', 'curl', 'cut', 'du', 'env', 'file', 'find', 'free', 'git', 'head', 'id', 'ip', 'last', 'less', 'lscpu', 'md5sum',
  'nano', 'nohup', 'nproc', 'passwd', 'perl', 'python3', 'scp', 'sftp', 'sha256sum', 'sort', 'ssh', 'sudo', 'tail', 'top', 'tr',
  'uniq', 'uptime', 'vim', 'w', 'wc', 'wget', 'whereis', 'which', 'who', 'whoami', 'xargs',
]

const BASHRC = `# ~/.bashrc: executed by bash(1) for non-login shells.

[ -z "$PS1" ] && return

HISTCONTROL=ignoredups:ignorespace
HISTSIZE=1000
HISTFILESIZE=2000
shopt -s checkwinsize

PS1='\${debian_chroot:+($debian_chroot)}\\u@\\h:\\w\\$ '

alias ls='ls --color=auto'
alias ll='ls -alF'
alias la='ls -A'
alias l='ls -CF'
`

const ROOT_HISTORY = [
  'apt update && apt upgrade -y', 'systemctl status nginx', 'tail -f /var/log/syslog', 'df -h', 'htop', 'ps aux | grep python',
  'git pull origin main', 'cd /root/projects', 'vim notes.txt', 'crontab -e', 'ls /var/www/html',
]

function shadowHash(rng: SeededRng): string {
  const alphabet = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
  const s = (n: number) => Array.from(rng.bytes(n), (b) => alphabet[b & 63]).join('')
  return `$y$j9T$${s(22)}$${s(43)}`
}

export function cpuinfo(p: ShellPersona): string {
  const blocks: string[] = []
  for (let i = 0; i < p.cores; i++) {
    blocks.push([
      `processor\t: ${i}`, `vendor_id\t: ${p.cpuModel.startsWith('AMD') ? 'AuthenticAMD' : 'GenuineIntel'}`, 'cpu family\t: 6',
      `model name\t: ${p.cpuModel}`, 'stepping\t: 1', `cpu MHz\t\t: ${(2200 + (i % 3) * 0.001).toFixed(3)}`, 'cache size\t: 16384 KB',
      `physical id\t: 0`, `siblings\t: ${p.cores}`, `core id\t\t: ${i}`, `cpu cores\t: ${p.cores}`, 'fpu\t\t: yes',
      'flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx rdtscp lm constant_tsc rep_good nopl xtopology cpuid tsc_known_freq pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm abm 3dnowprefetch avx2 smep bmi2 erms',
      'bogomips\t: 4400.00', 'address sizes\t: 46 bits physical, 48 bits virtual', '',
    ].join('\n'))
  }
  return blocks.join('\n') + '\n'
}

export function meminfo(p: ShellPersona): string {
  const free = Math.floor(p.memKb * 0.41)
  return [
    `MemTotal:       ${String(p.memKb).padStart(8)} kB`, `MemFree:        ${String(free).padStart(8)} kB`,
    `MemAvailable:   ${String(Math.floor(p.memKb * 0.72)).padStart(8)} kB`, `Buffers:        ${String(Math.floor(p.memKb * 0.03)).padStart(8)} kB`,
    `Cached:         ${String(Math.floor(p.memKb * 0.27)).padStart(8)} kB`, 'SwapCached:            0 kB',
    'SwapTotal:             0 kB', 'SwapFree:              0 kB',
  ].join('\n') + '\n'
}

export function seedFs(p: ShellPersona, rng: SeededRng): FakeFs {
  const fs = new FakeFs()
  const r = rng.fork('shell/fs')
  // install time: files look months old, home files younger
  const installed = p.bootTime - r.int(60, 400) * 86400_000
  const stampOf = (path: string) =>
    new Date(path.startsWith('/root') || path.startsWith('/home') || path.startsWith('/var/www') ? p.bootTime - r.int(1, 50) * 86400_000 - r.int(0, 86399) * 1000 : installed + r.int(0, 86399) * 1000)
  const dir = (path: string, mode = 0o755, uid = 0, gid = 0) => {
    fs.mkdir(path, undefined, { parents: true })
    fs.chmod(path, mode)
    const n = fs.lookup(path)
    if (typeof n !== 'string') {
      n.uid = uid
      n.gid = gid
      n.mtime = stampOf(path)
    }
  }
  const file = (path: string, text: string, mode = 0o644, uid = 0, gid = 0) => {
    fs.writeFile(path, Buffer.from(text), undefined, { mode })
    const n = fs.lookup(path)
    if (typeof n !== 'string') {
      n.uid = uid
      n.gid = gid
      n.mtime = stampOf(path)
    }
  }
  for (const d of ['/bin', '/boot', '/dev', '/dev/shm', '/etc', '/home', '/lib', '/media', '/mnt', '/opt', '/proc', '/run', '/sbin', '/srv', '/sys', '/usr', '/usr/bin', '/usr/sbin', '/usr/lib', '/usr/local', '/usr/local/bin', '/usr/share', '/var', '/var/log', '/var/lib', '/var/cache', '/var/www', '/var/www/html', '/var/backups', '/etc/ssh', '/etc/cron.d']) dir(d)
  dir('/tmp', 0o1777)
  dir('/var/tmp', 0o1777)
  dir('/dev/shm', 0o1777)
  for (const b of BIN_NAMES) file(`/bin/${b}`, '', 0o755)
  for (const b of USR_BIN_NAMES) file(`/usr/bin/${b}`, '', 0o755)
  file('/dev/null', '', 0o666)

  const sudoGroup = p.distro.sudoGroup
  const passwd = [
    `root:x:0:0:root:/root:${p.distro.shell}`, 'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin', 'bin:x:2:2:bin:/bin:/usr/sbin/nologin',
    'sys:x:3:3:sys:/dev:/usr/sbin/nologin', 'sync:x:4:65534:sync:/bin:/bin/sync', 'games:x:5:60:games:/usr/games:/usr/sbin/nologin',
    'man:x:6:12:man:/var/cache/man:/usr/sbin/nologin', 'lp:x:7:7:lp:/var/spool/lpd:/usr/sbin/nologin', 'mail:x:8:8:mail:/var/mail:/usr/sbin/nologin',
    'news:x:9:9:news:/var/spool/news:/usr/sbin/nologin', 'www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin',
    'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin', 'systemd-network:x:998:998:systemd Network Management:/:/usr/sbin/nologin',
    'messagebus:x:100:107::/nonexistent:/usr/sbin/nologin', 'sshd:x:101:65534::/run/sshd:/usr/sbin/nologin',
  ]
  const shadow = [`root:${shadowHash(r)}:19876:0:99999:7:::`, 'daemon:*:19876:0:99999:7:::', 'www-data:*:19876:0:99999:7:::', 'sshd:*:19876:0:99999:7:::']
  const group = ['root:x:0:', 'daemon:x:1:', 'bin:x:2:', 'sys:x:3:', 'adm:x:4:', 'www-data:x:33:', 'users:x:100:', 'nogroup:x:65534:']
  const second = p.users.find((u) => u.uid !== 0)
  group.push(`${sudoGroup}:x:${sudoGroup === 'wheel' ? 10 : 27}:${second?.name ?? ''}`)
  if (second) {
    passwd.push(`${second.name}:x:${second.uid}:${second.gid}:${second.name},,,:${second.home}:${second.shell}`)
    shadow.push(`${second.name}:${shadowHash(r)}:19876:0:99999:7:::`)
    group.push(`${second.name}:x:${second.gid}:`)
  }
  file('/etc/passwd', passwd.join('\n') + '\n')
  file('/etc/shadow', shadow.join('\n') + '\n', 0o640, 0, 42)
  file('/etc/group', group.join('\n') + '\n')
  file('/etc/hostname', `${p.hostname}\n`)
  file('/etc/hosts', `127.0.0.1\tlocalhost\n127.0.1.1\t${p.hostname}\n${p.ip}\t${p.hostname}\n\n::1\tlocalhost ip6-localhost ip6-loopback\n`)
  file('/etc/os-release', p.distro.osRelease)
  file('/usr/lib/os-release', p.distro.osRelease)
  file('/etc/issue', `${p.distro.prettyName} \\n \\l\n\n`)
  file('/etc/issue.net', `${p.distro.prettyName}\n`)
  file('/etc/motd', p.distro.motd)
  file('/etc/resolv.conf', 'nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n')
  file('/etc/shells', `/bin/sh\n/bin/bash\n/usr/bin/bash\n`)
  if (p.distro.slug === 'debian') file('/etc/debian_version', '12.6\n')
  file('/etc/crontab', 'SHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin\n\n17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly\n')
  file('/etc/ssh/sshd_config', 'Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\nPasswordAuthentication yes\nKbdInteractiveAuthentication no\nUsePAM yes\nX11Forwarding yes\nPrintMotd no\nAcceptEnv LANG LC_*\nSubsystem\tsftp\t/usr/lib/openssh/sftp-server\n')
  file('/proc/cpuinfo', cpuinfo(p), 0o444)
  file('/proc/meminfo', meminfo(p), 0o444)
  file('/proc/version', `Linux version ${p.distro.kernel} (gcc (GCC) 12.2.0) ${p.distro.kernelBuild}\n`, 0o444)

  dir('/root', 0o700)
  file('/root/.bashrc', BASHRC)
  file('/root/.profile', '# ~/.profile: executed by Bourne-compatible login shells.\n\nif [ "$BASH" ]; then\n  if [ -f ~/.bashrc ]; then\n    . ~/.bashrc\n  fi\nfi\n')
  file('/root/.bash_history', ROOT_HISTORY.join('\n') + '\n', 0o600)
  file('/root/notes.txt', '# TODO: migrate DB to new server\n# TODO: check cron jobs\n# TODO: update SSL cert\n')
  dir('/root/projects')
  dir('/root/backups')
  dir('/root/.ssh', 0o700)
  file('/root/.ssh/authorized_keys', '', 0o600)
  file('/root/projects/.env', 'DB_HOST=10.0.0.5\nDB_USER=admin\nDB_PASS=changeme123\nDB_NAME=prod_db\n', 0o600)
  file('/root/projects/app.service', '[Unit]\nDescription=App Server\nAfter=network.target\n\n[Service]\nExecStart=/usr/bin/python3 /opt/app/server.py\nRestart=always\nUser=root\n\n[Install]\nWantedBy=multi-user.target\n')
  if (second) {
    dir(second.home, 0o750, second.uid, second.gid)
    file(`${second.home}/.bashrc`, BASHRC, 0o644, second.uid, second.gid)
    file(`${second.home}/.profile`, '# ~/.profile\n', 0o644, second.uid, second.gid)
    file(`${second.home}/.bash_history`, 'ls -la\nsudo su\n', 0o600, second.uid, second.gid)
  }
  file('/var/log/syslog', '', 0o640, 0, 4)
  file('/var/log/auth.log', '', 0o640, 0, 4)
  file('/var/www/html/index.html', '<html><body><h1>It works!</h1></body></html>\n')
  fs.root.mtime = new Date(installed)
  return fs
}
