// The shell/ssh persona extends the catalogue's DistroProfile: one profile per
// slug, looked up in src/config/distros.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DISTROS, getDistro } from '../../../config/distros.js'
import { distroPersona } from './distro.js'

test('distro persona: every catalogue distro, with its catalogue profile inside', () => {
  for (const d of DISTROS) {
    const p = distroPersona(d.slug)
    assert.equal(p.slug, d.slug)
    assert.equal(p.image, d.image)
    assert.equal(p.hostnameStyle, d.hostnameStyle)
    assert.match(p.sshIdent, /^OpenSSH_\d/)
    assert.ok(p.osRelease.endsWith('\n'), d.slug)
  }
})

test('distro persona: unknown, empty and non-Linux slugs fall back to Debian', () => {
  for (const slug of [undefined, '', 'windows', 'gentoo']) {
    const p = distroPersona(slug)
    assert.equal(p.slug, 'debian')
    assert.equal(p.image, getDistro('debian').image)
    assert.equal(p.sshIdent, 'OpenSSH_9.2p1 Debian-2+deb12u3')
  }
  assert.equal(distroPersona('centos7').sshIdent, 'OpenSSH_7.4')
  assert.deepEqual(distroPersona('centos7').ssh.kexMarkers, [])
})
