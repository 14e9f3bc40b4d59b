// Network commands. wget/curl/tftp only log what the attacker wanted: nothing
// is ever resolved or fetched; they fail the way a host without working DNS
// or egress does.
import type { CmdContext, CommandFn } from '../types.js'
import { resolvePath } from '../fs.js'

export const MAX_URL = 2048

function ifconfig(c: CmdContext): number {
  const p = c.sh.persona
  const bcast = p.ip.replace(/\.\d+$/, '.255')
  c.out(`eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500
        inet ${p.ip}  netmask 255.255.255.0  broadcast ${bcast}
        ether ${p.mac}  txqueuelen 1000  (Ethernet)
        RX packets 1843021  bytes 1219772634 (1.1 GB)
        RX errors 0  dropped 0  overruns 0  frame 0
        TX packets 1208841  bytes 301929771 (287.9 MiB)
        TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0

lo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536
        inet 127.0.0.1  netmask 255.0.0.0
        loop  txqueuelen 1000  (Local Loopback)
        RX packets 2840  bytes 251203 (245.3 KiB)
        TX packets 2840  bytes 251203 (245.3 KiB)

`)
  return 0
}

function ip(c: CmdContext): number {
  const p = c.sh.persona
  const sub = c.argv.find((a, i) => i > 0 && !a.startsWith('-')) ?? ''
  const gw = p.ip.replace(/\.\d+$/, '.1')
  if (sub.startsWith('r')) {
    c.out(`default via ${gw} dev eth0 onlink \n${p.ip.replace(/\.\d+$/, '.0')}/24 dev eth0 proto kernel scope link src ${p.ip} \n`)
    return 0
  }
  if (sub.startsWith('a') || sub === '') {
    c.out(`1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000
    link/ether ${p.mac} brd ff:ff:ff:ff:ff:ff
    inet ${p.ip}/24 brd ${p.ip.replace(/\.\d+$/, '.255')} scope global eth0
       valid_lft forever preferred_lft forever
`)
    return 0
  }
  c.err(`Object "${sub}" is unknown, try "ip help".\n`)
  return 255
}

function netstat(c: CmdContext): number {
  c.out(`Active Internet connections (only servers)
Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name
tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      644/sshd: /usr/sbin
tcp6       0      0 :::22                   :::*                    LISTEN      644/sshd: /usr/sbin
`)
  return 0
}

/** First operand that looks like a URL or host, skipping option values. */
function urlOperands(argv: string[], withValue: Set<string>): string[] {
  const out: string[] = []
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] as string
    if (withValue.has(a)) {
      i++
      continue
    }
    if (a.startsWith('-')) continue
    out.push(a.slice(0, MAX_URL))
  }
  return out
}

function hostOf(url: string): { host: string; port: number; scheme: string } {
  const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(?:[^@/]*@)?(\[[^\]]+\]|[^:/?#]+)(?::(\d+))?/i.exec(url)
  const scheme = (m?.[1] ?? 'http').toLowerCase()
  const port = m?.[3] ? parseInt(m[3], 10) : scheme === 'https' ? 443 : scheme === 'ftp' ? 21 : 80
  return { host: m?.[2] ?? url, port, scheme }
}

const isIp = (h: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(h) || h.startsWith('[')

function logDownload(c: CmdContext, tool: string, url: string): void {
  c.sh.host.emit('download_attempt', { url, tool, user: c.sh.user.name, cwd: c.sh.cwd })
}

function stampNow(): string {
  return new Date().toISOString().slice(0, 19).replace('T', ' ')
}

const wget: CommandFn = (c) => {
  const urls = urlOperands(c.argv, new Set(['-O', '-o', '-P', '-U', '--user-agent', '-t', '-T', '--header', '-e']))
  if (!urls.length) {
    c.err("wget: missing URL\nUsage: wget [OPTION]... [URL]...\n\nTry `wget --help' for more options.\n")
    return 1
  }
  const quiet = c.argv.includes('-q') || c.argv.includes('-qO-') || c.argv.includes('-qO')
  // -O file is opened (truncated) before wget connects, so a failed fetch leaves an empty file
  const oi = c.argv.findIndex((a) => a === '-O' || a === '-qO')
  const target = oi > 0 ? c.argv[oi + 1] : c.argv.find((a) => /^-q?O./.test(a) && a !== '-qO-')?.replace(/^-q?O/, '')
  if (target && target !== '-') c.sh.fs.writeFile(resolvePath(c.sh.cwd, target, c.sh.user.home), Buffer.alloc(0), c.sh.user)
  for (const url of urls) {
    logDownload(c, 'wget', url)
    const { host, port } = hostOf(url)
    const shown = /^[a-z]+:\/\//i.test(url) ? url : `http://${url}`
    if (quiet) continue
    c.err(`--${stampNow()}--  ${shown}\n`)
    if (isIp(host)) c.err(`Connecting to ${host}:${port}... failed: Connection timed out.\nRetrying.\n\n`)
    else c.err(`Resolving ${host} (${host})... failed: Temporary failure in name resolution.\nwget: unable to resolve host address ‘${host}’\n`)
  }
  return 4
}

const curl: CommandFn = (c) => {
  const urls = urlOperands(c.argv, new Set(['-o', '-O', '-H', '-A', '-d', '--data', '-X', '-u', '-e', '--output', '--header', '-m', '--connect-timeout', '-x']))
  if (!urls.length) {
    c.err("curl: try 'curl --help' or 'curl --manual' for more information\n")
    return 2
  }
  const silent = c.argv.some((a) => /^-[a-zA-Z]*s/.test(a) && !/S/.test(a))
  for (const url of urls) logDownload(c, 'curl', url)
  const { host, port } = hostOf(urls[0] as string)
  if (isIp(host)) {
    if (!silent) c.err(`curl: (28) Failed to connect to ${host} port ${port} after 129674 ms: Couldn't connect to server\n`)
    return 28
  }
  if (!silent) c.err(`curl: (6) Could not resolve host: ${host}\n`)
  return 6
}

const tftp: CommandFn = (c) => {
  const host = c.argv.slice(1).find((a, i, all) => !a.startsWith('-') && !['-g', '-r', '-l', '-c'].includes(all[i - 1] ?? ''))
  const file = c.argv[c.argv.indexOf('-r') + 1]
  if (host) logDownload(c, 'tftp', `tftp://${host}/${c.argv.includes('-r') ? (file ?? '') : ''}`)
  c.err('Transfer timed out.\n\n')
  return 1
}

const ping: CommandFn = (c) => {
  const host = c.argv.slice(1).filter((a) => !a.startsWith('-')).pop()
  if (!host) {
    c.err('ping: usage error: Destination address required\n')
    return 1
  }
  if (isIp(host)) {
    c.out(`PING ${host} (${host}) 56(84) bytes of data.\n\n--- ${host} ping statistics ---\n4 packets transmitted, 0 received, 100% packet loss, time 3061ms\n\n`)
    return 1
  }
  c.err(`ping: ${host}: Temporary failure in name resolution\n`)
  return 2
}

const sshOut: CommandFn = (c) => {
  const target = c.argv.slice(1).filter((a) => !a.startsWith('-')).shift() ?? ''
  const host = target.split('@').pop()?.split(':')[0] ?? ''
  c.err(`ssh: connect to host ${host} port 22: Connection timed out\n`)
  if (c.argv[0]?.endsWith('scp')) c.err('lost connection\n')
  return 255
}

export const NETWORK_COMMANDS: Record<string, CommandFn> = {
  ifconfig, ip, netstat, ss: netstat, wget, curl, tftp, ping, ssh: sshOut, scp: sshOut,
  nc: (c) => {
    c.err('nc: getaddrinfo for host: Temporary failure in name resolution\n')
    return 1
  },
}
