// A small IOS exec for the cisco persona after a bait login: `host>` user
// EXEC, `enable` (the root password of the persona is the enable secret)
// to `host#`, a few `show` commands, `% Invalid input …` for everything else.
// Every line is a `command` event; enable passwords are auth_attempts.
import { encodeSecret } from '../../events/event.js'

export interface IosIo {
  write(s: string): void
  emit(type: string, fields: Record<string, string | number | boolean | undefined>): void
  end(): void
}

export interface IosPersona {
  hostname: string
  user: string
  enableSecret: string
  model: string
  version: string
  serial: string
  uptime: () => string
}

const MAX_LINE = 512

export class IosExec {
  #line = ''
  #enabled = false
  #askingEnable = false
  #enableTries = 0
  #lastCR = false
  commands = 0
  ended = false

  constructor(
    readonly p: IosPersona,
    readonly io: IosIo,
    readonly echo: () => boolean,
  ) {}

  get prompt(): string {
    return `${this.p.hostname}${this.#enabled ? '#' : '>'}`
  }

  start(): void {
    this.io.write(`\r\n${this.prompt}`)
  }

  feed(data: Buffer): void {
    for (const b of data) {
      if (this.ended) return
      if (b === 0x0a && this.#lastCR) {
        this.#lastCR = false
        continue
      }
      this.#lastCR = b === 0x0d
      if (b === 0x0d || b === 0x0a) {
        const line = this.#line
        this.#line = ''
        this.io.write('\r\n')
        this.#enter(line)
        continue
      }
      if (b === 0x7f || b === 0x08) {
        if (this.#line.length > 0) {
          this.#line = this.#line.slice(0, -1)
          if (!this.#askingEnable && this.echo()) this.io.write('\b \b')
        }
        continue
      }
      if (b === 0x03 || b === 0x1a) {
        this.#line = ''
        this.#askingEnable = false
        this.io.write(`\r\n${this.prompt}`)
        continue
      }
      if (b < 0x20 || b > 0x7e || this.#line.length >= MAX_LINE) continue
      this.#line += String.fromCharCode(b)
      if (!this.#askingEnable && this.echo()) this.io.write(String.fromCharCode(b))
    }
  }

  #enter(raw: string): void {
    if (this.#askingEnable) {
      this.#askingEnable = false
      const ok = raw === this.p.enableSecret
      this.io.emit('auth_attempt', {
        username: 'enable', principal: 'enable', method: 'enable', secret_kind: 'plaintext', ...encodeSecret(raw), outcome: ok ? 'success' : 'failure',
      })
      if (ok) this.#enabled = true
      else if (++this.#enableTries < 3) {
        this.io.write('% Access denied\r\n\r\n')
      } else this.io.write('% Bad secrets\r\n\r\n')
      this.io.write(this.prompt)
      return
    }
    const line = raw.trim()
    if (line === '') return this.io.write(this.prompt)
    this.commands++
    this.io.emit('command', { cmd: line, cwd: this.#enabled ? 'privileged' : 'user', user: this.p.user, uid: this.#enabled ? 15 : 1 })
    const words = line.toLowerCase().split(/\s+/)
    const [w0 = '', w1 = ''] = words
    const is = (w: string, full: string, min = 2) => w.length >= Math.min(min, full.length) && full.startsWith(w)
    if (is(w0, 'exit') || is(w0, 'logout', 2) || is(w0, 'quit')) {
      this.ended = true
      this.io.end()
      return
    }
    if (is(w0, 'enable', 2)) {
      if (this.#enabled) return this.io.write(this.prompt)
      this.#askingEnable = true
      return this.io.write('Password: ')
    }
    if (is(w0, 'disable', 4)) {
      this.#enabled = false
      return this.io.write(this.prompt)
    }
    if (is(w0, 'terminal', 3)) return this.io.write(this.prompt)
    if (is(w0, 'show', 2)) return this.io.write(this.#show(w1) + this.prompt)
    if (w0 === '?' || w0 === 'help') {
      return this.io.write('Exec commands:\r\n  disable    Turn off privileged commands\r\n  enable     Turn on privileged commands\r\n  exit       Exit from the EXEC\r\n  logout     Exit from the EXEC\r\n  show       Show running system information\r\n  terminal   Set terminal line parameters\r\n\r\n' + this.prompt)
    }
    if (this.#enabled && (is(w0, 'configure', 4) || is(w0, 'copy', 2) || is(w0, 'write', 2) || is(w0, 'reload', 3))) {
      return this.io.write(`% Command authorization failed.\r\n\r\n${this.prompt}`)
    }
    const pad = ' '.repeat(this.prompt.length)
    this.io.write(`${pad}^\r\n% Invalid input detected at '^' marker.\r\n\r\n${this.prompt}`)
  }

  #show(what: string): string {
    const p = this.p
    if ('version'.startsWith(what) && what.length >= 1) {
      return [
        `Cisco IOS Software, ${p.model} Software (C2900-UNIVERSALK9-M), Version ${p.version}, RELEASE SOFTWARE (fc2)`,
        'Technical Support: http://www.cisco.com/techsupport',
        'Copyright (c) 1986-2019 by Cisco Systems, Inc.',
        '',
        'ROM: System Bootstrap, Version 15.0(1r)M16, RELEASE SOFTWARE (fc1)',
        '',
        `${p.hostname} uptime is ${p.uptime()}`,
        'System image file is "flash0:c2900-universalk9-mz.SPA.157-3.M5.bin"',
        '',
        `Cisco ${p.model} (revision 1.0) with 479232K/45056K bytes of memory.`,
        `Processor board ID ${p.serial}`,
        '3 Gigabit Ethernet interfaces',
        'DRAM configuration is 64 bits wide with parity enabled.',
        '255K bytes of non-volatile configuration memory.',
        '',
        'Configuration register is 0x2102',
        '',
      ].join('\r\n') + '\r\n'
    }
    if (this.#enabled && ('running-config'.startsWith(what) || 'startup-config'.startsWith(what)) && what.length >= 2) {
      return `Building configuration...\r\n\r\nCurrent configuration : 1893 bytes\r\n!\r\nversion 15.7\r\nservice password-encryption\r\n!\r\nhostname ${p.hostname}\r\n!\r\nenable secret 9 $9$nhEmQVczB7dqsO$X.HsgL6x1il0RxkOSSvyQYwucySCt7qFm4v7pqCxkKM\r\n!\r\nusername ${p.user} privilege 1 secret 9 $9$2MJBozw/9R3UsU$2FgXfSjOSSjZHd1C0f1zO1Ivyq8XJTGyS5pbNvmtG0Q\r\n!\r\nline vty 0 4\r\n login local\r\n transport input telnet ssh\r\n!\r\nend\r\n\r\n`
    }
    if ('ip'.startsWith(what) && what.length >= 1) {
      return 'Interface              IP-Address      OK? Method Status                Protocol\r\nGigabitEthernet0/0     unassigned      YES NVRAM  up                    up\r\nGigabitEthernet0/1     unassigned      YES NVRAM  administratively down down\r\n'
    }
    return `                ^\r\n% Invalid input detected at '^' marker.\r\n\r\n`
  }
}
