import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildProgram } from '../main.js'

async function run(args: string[]): Promise<string> {
  const program = await buildProgram()
  let out = ''
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += String(chunk)
    return true
  }) as typeof process.stdout.write
  try {
    await program.parseAsync(['node', 'decnet', ...args])
  } finally {
    process.stdout.write = write
  }
  return out
}

test('cli: distros table and --json', async () => {
  const table = await run(['distros'])
  const lines = table.trimEnd().split('\n')
  assert.match(lines[0] ?? '', /^Slug\s+Display Name\s+Hostname Style\s+Docker Image$/)
  assert.equal(lines.length, 2 + 9)
  assert.match(lines[2] ?? '', /^debian\s+Debian 12 \(Bookworm\)\s+generic\s+debian:bookworm-slim@sha256:/)
  const json = JSON.parse(await run(['distros', '--json'])) as { slug: string; hostname_style: string }[]
  assert.deepEqual(json.map((d) => d.slug), ['debian', 'ubuntu22', 'ubuntu20', 'rocky9', 'centos7', 'alpine', 'fedora', 'kali', 'arch'])
  assert.equal(json[7]?.hostname_style, 'rolling')
})

test('cli: archetypes table and --json', async () => {
  const table = await run(['archetypes'])
  assert.match(table, /^Slug\s+Display Name\s+Default Services\s+OS\s+Description\n/)
  assert.match(table, /\ndevops-host\s+DevOps Host\s+docker_api, ssh, k8s\s+linux\s+/)
  const json = JSON.parse(await run(['archetypes', '--json'])) as { slug: string; services: string[]; nmap_os: string }[]
  assert.equal(json.length, 15)
  assert.deepEqual(json.find((a) => a.slug === 'windows-server'), {
    slug: 'windows-server',
    display_name: 'Windows Server',
    services: ['smb', 'rdp', 'ldap'],
    preferred_distros: ['debian', 'ubuntu22'],
    nmap_os: 'windows_server',
    description: 'A Windows member server with SMB, RDP and LDAP.',
  })
})
