// What a TFTP server of a network closet holds: the Cisco IOS configuration
// a router backed up (startup-config, running-config, <hostname>-confg,
// network-confg), seeded per decky: hostname, enable secret (a real type 8
// PBKDF2-SHA256 hash of a seeded password, hashcat 9200), a type 7 password,
// SNMP communities, a TACACS+ key, addressing from the decky's network.
import { pbkdf2Sync } from 'node:crypto'
import type { HoneypotContext } from '../../runtime/context.js'
import type { SeededRng } from '../../runtime/rng.js'

const CISCO64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const STD64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

function cisco64(b: Buffer): string {
  return [...b.toString('base64').replace(/=+$/, '')].map((c) => CISCO64[STD64.indexOf(c)] ?? '.').join('')
}

/** `enable secret 8`: PBKDF2-HMAC-SHA256, 20,000 rounds, 14-char salt. */
export function ciscoType8(password: string, salt: string): string {
  return `$8$${salt}$${cisco64(pbkdf2Sync(password, salt, 20_000, 32, 'sha256'))}`
}

const XLAT = 'dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87'

/** `password 7`: the reversible Vigenère IOS uses (seed 0–15, then hex). */
export function ciscoType7(password: string, seed: number): string {
  let out = String(seed).padStart(2, '0')
  for (let i = 0; i < password.length; i++) {
    out += ((password.charCodeAt(i) ^ XLAT.charCodeAt((seed + i) % XLAT.length)) & 0xff).toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

const WORDS = ['Cisco', 'Netw0rk', 'Backb0ne', 'Switch', 'Core', 'Router', 'Admin', 'Telco']
const SITES = ['HQ', 'DC1', 'DC2', 'BRANCH', 'EDGE', 'CORE']

function secret(rng: SeededRng): string {
  return `${rng.pick(WORDS)}${rng.int(10, 99)}${rng.pick(['!', '#', '$', '@'])}`
}

function saltOf(rng: SeededRng, n: number): string {
  return Array.from({ length: n }, () => CISCO64[rng.int(0, 63)] ?? '.').join('')
}

export interface TftpBait {
  hostname: string
  /** file name → content (LF line ends). */
  files: Map<string, Buffer>
}

export function buildBait(ctx: HoneypotContext, now = new Date()): TftpBait {
  const rng = ctx.rng.fork('tftp/bait')
  const site = rng.pick(SITES)
  const hostname = `${site}-RTR-${String(rng.int(1, 12)).padStart(2, '0')}`
  const octets = ctx.decky.ip.split('.').map(Number)
  const net = octets.length === 4 && octets.every((o) => o >= 0 && o <= 255) ? `${octets[0]}.${octets[1]}.${octets[2]}` : `10.${rng.int(0, 254)}.${rng.int(0, 254)}`
  const gw = `${net}.${rng.pick([1, 254])}`
  const wan = `203.0.113.${rng.int(2, 250)}`
  const lines = [
    '!',
    `! Last configuration change at ${now.toUTCString().slice(17, 25)} UTC ${now.toUTCString().slice(0, 16)} by admin`,
    `! NVRAM config last updated at ${now.toUTCString().slice(17, 25)} UTC ${now.toUTCString().slice(0, 16)} by admin`,
    '!',
    'version 15.7',
    'service timestamps debug datetime msec',
    'service timestamps log datetime msec',
    'no service password-encryption',
    '!',
    `hostname ${hostname}`,
    '!',
    'boot-start-marker',
    'boot-end-marker',
    '!',
    `enable secret 8 ${ciscoType8(secret(rng.fork('enable')), saltOf(rng, 14))}`,
    '!',
    'aaa new-model',
    'aaa authentication login default group tacacs+ local',
    '!',
    `ip domain name ${site.toLowerCase()}.corp.local`,
    'ip name-server 10.0.0.53',
    '!',
    `username admin privilege 15 secret 8 ${ciscoType8(secret(rng.fork('admin')), saltOf(rng, 14))}`,
    `username netops privilege 15 password 7 ${ciscoType7(secret(rng.fork('netops')), rng.int(0, 15))}`,
    '!',
    'interface GigabitEthernet0/0',
    ` description WAN uplink`,
    ` ip address ${wan} 255.255.255.252`,
    ' ip nat outside',
    ' duplex auto',
    ' speed auto',
    '!',
    'interface GigabitEthernet0/1',
    ` description LAN ${site}`,
    ` ip address ${gw} 255.255.255.0`,
    ' ip nat inside',
    '!',
    'ip nat inside source list 10 interface GigabitEthernet0/0 overload',
    `ip route 0.0.0.0 0.0.0.0 203.0.113.${rng.int(1, 250)}`,
    '!',
    `access-list 10 permit ${net}.0 0.0.0.255`,
    '!',
    `snmp-server community ${rng.pick(['public', 'n3tw0rk', 'monitor'])}${rng.hex(2)} RO`,
    `snmp-server community ${rng.pick(['private', 'rw', 'cfgmgr'])}${rng.hex(3)} RW`,
    `snmp-server location ${site} server room`,
    '!',
    'tacacs-server host 10.0.0.49',
    `tacacs-server key 7 ${ciscoType7(`tac${rng.hex(4)}`, rng.int(0, 15))}`,
    '!',
    'line con 0',
    ` password 7 ${ciscoType7(secret(rng.fork('console')), rng.int(0, 15))}`,
    'line vty 0 4',
    ' transport input ssh telnet',
    '!',
    'end',
    '',
  ]
  const config = Buffer.from(lines.join('\n'))
  const files = new Map<string, Buffer>([
    ['startup-config', config],
    ['running-config', config],
    [`${hostname.toLowerCase()}-confg`, config],
    ['network-confg', Buffer.from(`ip host ${hostname} ${gw}\nip domain-name ${site.toLowerCase()}.corp.local\n`)],
  ])
  const extra = typeof ctx.config.files === 'string' ? ctx.config.files.split(',').map((s) => s.trim()).filter(Boolean) : []
  for (const f of extra.slice(0, 32)) files.set(f.replace(/^\/+/, ''), config)
  return { hostname, files }
}
