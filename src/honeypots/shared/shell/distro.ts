// One persona table per distro: what the OS says about itself in every place
// an attacker looks (ssh banner, /etc/os-release, uname, motd), so the answers
// agree with each other. It extends the catalogue's DistroProfile
// (src/config/distros.ts: slug, image, hostname style) — one profile per
// slug, looked up there; this file adds the shell and ssh parts.
import { DEFAULT_DISTRO, getDistro, hasDistro, type DistroProfile, type DistroSlug } from '../../../config/distros.js'

export interface SshAlgorithms {
  kex: readonly string[]
  hostKey: readonly string[]
  cipher: readonly string[]
  mac: readonly string[]
  compress: readonly string[]
  /** Markers appended to the kex list (ext-info-s, kex-strict-s-v00@openssh.com). */
  kexMarkers: readonly string[]
  /** server-sig-algs value of the EXT_INFO the server sends (RFC 8308). */
  serverSigAlgs: string
}

/** What the emulated OS says about itself, beyond the catalogue's profile. */
export interface DistroShell {
  /** Software part of the SSH identification string: SSH-2.0-<this>. */
  sshIdent: string
  ssh: SshAlgorithms
  /** RSA host key size ssh-keygen -A makes there. */
  rsaBits: number
  /** uname -r */
  kernel: string
  /** uname -v */
  kernelBuild: string
  osRelease: string
  /** Short name for /etc/issue and the motd. */
  prettyName: string
  motd: string
  /** Group that grants sudo: sudo (Debian family) or wheel (RHEL family). */
  sudoGroup: string
  /** Login shell path of root. */
  shell: string
  /** Methods OpenSSH lists after a failure with the distro's sshd_config. */
  authMethods: readonly string[]
}

/** A catalogue profile with its shell and ssh persona: what the emulators use. */
export interface DistroPersona extends DistroProfile, DistroShell {}

// OpenSSH's own default lists (myproposal.h) by release.
const CIPHERS_OPENSSH = ['chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com']
const MACS_OPENSSH = [
  'umac-64-etm@openssh.com', 'umac-128-etm@openssh.com', 'hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com',
  'hmac-sha1-etm@openssh.com', 'umac-64@openssh.com', 'umac-128@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512', 'hmac-sha1',
]
const COMPRESS = ['none', 'zlib@openssh.com']
const KEX_TAIL = ['diffie-hellman-group-exchange-sha256', 'diffie-hellman-group16-sha512', 'diffie-hellman-group18-sha512', 'diffie-hellman-group14-sha256']
const KEX_CURVES = ['curve25519-sha256', 'curve25519-sha256@libssh.org', 'ecdh-sha2-nistp256', 'ecdh-sha2-nistp384', 'ecdh-sha2-nistp521']
const HOSTKEY_MODERN = ['rsa-sha2-512', 'rsa-sha2-256', 'ecdsa-sha2-nistp256', 'ssh-ed25519']
const STRICT = 'kex-strict-s-v00@openssh.com'
// sshd's server-sig-algs: 8.5+ (checked against 9.2p1), 8.2, 7.4
const SIGS_85 = 'ssh-ed25519,sk-ssh-ed25519@openssh.com,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ecdsa-sha2-nistp256@openssh.com,webauthn-sk-ecdsa-sha2-nistp256@openssh.com,ssh-dss,ssh-rsa,rsa-sha2-256,rsa-sha2-512'
const SIGS_82 = 'ssh-ed25519,sk-ssh-ed25519@openssh.com,ssh-rsa,rsa-sha2-256,rsa-sha2-512,ssh-dss,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ecdsa-sha2-nistp256@openssh.com'
const SIGS_74 = 'ssh-ed25519,ssh-rsa,rsa-sha2-256,rsa-sha2-512,ssh-dss,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521'

// RHEL crypto-policies DEFAULT (rocky 9, fedora 39).
const RHEL_SSH: SshAlgorithms = {
  kex: [...KEX_CURVES, 'diffie-hellman-group-exchange-sha256', 'diffie-hellman-group14-sha256', 'diffie-hellman-group16-sha512', 'diffie-hellman-group18-sha512'],
  hostKey: ['rsa-sha2-256', 'rsa-sha2-512', 'ecdsa-sha2-nistp256', 'ssh-ed25519'],
  cipher: ['aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com', 'aes256-ctr', 'aes128-gcm@openssh.com', 'aes128-ctr'],
  mac: [
    'hmac-sha2-256-etm@openssh.com', 'hmac-sha1-etm@openssh.com', 'umac-128-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com',
    'hmac-sha2-256', 'hmac-sha1', 'umac-128@openssh.com', 'hmac-sha2-512',
  ],
  compress: COMPRESS,
  kexMarkers: [STRICT],
  serverSigAlgs: SIGS_85,
}

const DEBIAN_MOTD = `
The programs included with the Debian GNU/Linux system are free software;
the exact distribution terms for each program are described in the
individual files in /usr/share/doc/*/copyright.

Debian GNU/Linux comes with ABSOLUTELY NO WARRANTY, to the extent
permitted by applicable law.
`

const ubuntuMotd = (pretty: string, kernel: string) => `Welcome to ${pretty} (GNU/Linux ${kernel} x86_64)

 * Documentation:  https://help.ubuntu.com
 * Management:     https://landscape.canonical.com
 * Support:        https://ubuntu.com/pro
`

const osRelease = (fields: Record<string, string>) =>
  Object.entries(fields).map(([k, v]) => `${k}=${/^[A-Za-z0-9._-]+$/.test(v) ? v : `"${v}"`}`).join('\n') + '\n'

const DEBIAN_SHELL = { sudoGroup: 'sudo', shell: '/bin/bash', authMethods: ['publickey', 'password'] } as const

/** Every catalogue distro has its shell persona (keyed by the catalogue's slugs). */
export const DISTRO_SHELLS: Readonly<Record<DistroSlug, DistroShell>> = Object.freeze({
  debian: {
    sshIdent: 'OpenSSH_9.2p1 Debian-2+deb12u3',
    ssh: {
      kex: ['sntrup761x25519-sha512@openssh.com', ...KEX_CURVES, ...KEX_TAIL],
      hostKey: HOSTKEY_MODERN, cipher: CIPHERS_OPENSSH, mac: MACS_OPENSSH, compress: COMPRESS, kexMarkers: [STRICT], serverSigAlgs: SIGS_85,
    },
    rsaBits: 3072,
    kernel: '6.1.0-23-amd64',
    kernelBuild: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.99-1 (2024-07-15)',
    prettyName: 'Debian GNU/Linux 12 (bookworm)',
    osRelease: osRelease({
      PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)', NAME: 'Debian GNU/Linux', VERSION_ID: '12', VERSION: '12 (bookworm)',
      VERSION_CODENAME: 'bookworm', ID: 'debian', HOME_URL: 'https://www.debian.org/', SUPPORT_URL: 'https://www.debian.org/support',
      BUG_REPORT_URL: 'https://bugs.debian.org/',
    }),
    motd: DEBIAN_MOTD,
    ...DEBIAN_SHELL,
  },
  ubuntu22: {
    sshIdent: 'OpenSSH_8.9p1 Ubuntu-3ubuntu0.10',
    ssh: {
      kex: [...KEX_CURVES, 'sntrup761x25519-sha512@openssh.com', ...KEX_TAIL],
      hostKey: HOSTKEY_MODERN, cipher: CIPHERS_OPENSSH, mac: MACS_OPENSSH, compress: COMPRESS, kexMarkers: [STRICT], serverSigAlgs: SIGS_85,
    },
    rsaBits: 3072,
    kernel: '5.15.0-112-generic',
    kernelBuild: '#122-Ubuntu SMP Thu May 23 07:48:21 UTC 2024',
    prettyName: 'Ubuntu 22.04.4 LTS',
    osRelease: osRelease({
      PRETTY_NAME: 'Ubuntu 22.04.4 LTS', NAME: 'Ubuntu', VERSION_ID: '22.04', VERSION: '22.04.4 LTS (Jammy Jellyfish)',
      VERSION_CODENAME: 'jammy', ID: 'ubuntu', ID_LIKE: 'debian', HOME_URL: 'https://www.ubuntu.com/',
      SUPPORT_URL: 'https://help.ubuntu.com/', BUG_REPORT_URL: 'https://bugs.launchpad.net/ubuntu/',
      PRIVACY_POLICY_URL: 'https://www.ubuntu.com/legal/terms-and-policies/privacy-policy', UBUNTU_CODENAME: 'jammy',
    }),
    motd: ubuntuMotd('Ubuntu 22.04.4 LTS', '5.15.0-112-generic'),
    ...DEBIAN_SHELL,
  },
  ubuntu20: {
    sshIdent: 'OpenSSH_8.2p1 Ubuntu-4ubuntu0.11',
    ssh: {
      kex: [...KEX_CURVES, ...KEX_TAIL],
      hostKey: ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ecdsa-sha2-nistp256', 'ssh-ed25519'],
      cipher: CIPHERS_OPENSSH, mac: MACS_OPENSSH, compress: COMPRESS, kexMarkers: [STRICT], serverSigAlgs: SIGS_82,
    },
    rsaBits: 3072,
    kernel: '5.4.0-189-generic',
    kernelBuild: '#209-Ubuntu SMP Fri Jun 7 14:05:13 UTC 2024',
    prettyName: 'Ubuntu 20.04.6 LTS',
    osRelease: osRelease({
      NAME: 'Ubuntu', VERSION: '20.04.6 LTS (Focal Fossa)', ID: 'ubuntu', ID_LIKE: 'debian', PRETTY_NAME: 'Ubuntu 20.04.6 LTS',
      VERSION_ID: '20.04', HOME_URL: 'https://www.ubuntu.com/', SUPPORT_URL: 'https://help.ubuntu.com/',
      BUG_REPORT_URL: 'https://bugs.launchpad.net/ubuntu/', VERSION_CODENAME: 'focal', UBUNTU_CODENAME: 'focal',
    }),
    motd: ubuntuMotd('Ubuntu 20.04.6 LTS', '5.4.0-189-generic'),
    ...DEBIAN_SHELL,
  },
  rocky9: {
    sshIdent: 'OpenSSH_8.7',
    ssh: RHEL_SSH,
    rsaBits: 3072,
    kernel: '5.14.0-427.22.1.el9_4.x86_64',
    kernelBuild: '#1 SMP PREEMPT_DYNAMIC Wed Jun 19 17:35:04 UTC 2024',
    prettyName: 'Rocky Linux 9.4 (Blue Onyx)',
    osRelease: osRelease({
      NAME: 'Rocky Linux', VERSION: '9.4 (Blue Onyx)', ID: 'rocky', ID_LIKE: 'rhel centos fedora', VERSION_ID: '9.4',
      PLATFORM_ID: 'platform:el9', PRETTY_NAME: 'Rocky Linux 9.4 (Blue Onyx)', ANSI_COLOR: '0;32', LOGO: 'fedora-logo-icon',
      CPE_NAME: 'cpe:/o:rocky:rocky:9::baseos', HOME_URL: 'https://rockylinux.org/', BUG_REPORT_URL: 'https://bugs.rockylinux.org/',
    }),
    motd: '',
    sudoGroup: 'wheel', shell: '/bin/bash', authMethods: ['publickey', 'gssapi-keyex', 'gssapi-with-mic', 'password'],
  },
  centos7: {
    sshIdent: 'OpenSSH_7.4',
    ssh: {
      kex: [
        ...KEX_CURVES, 'diffie-hellman-group-exchange-sha256', 'diffie-hellman-group16-sha512', 'diffie-hellman-group18-sha512',
        'diffie-hellman-group-exchange-sha1', 'diffie-hellman-group14-sha256', 'diffie-hellman-group14-sha1', 'diffie-hellman-group1-sha1',
      ],
      hostKey: ['ssh-rsa', 'rsa-sha2-512', 'rsa-sha2-256', 'ecdsa-sha2-nistp256', 'ssh-ed25519'],
      cipher: [...CIPHERS_OPENSSH, 'aes128-cbc', 'aes192-cbc', 'aes256-cbc', 'blowfish-cbc', 'cast128-cbc', '3des-cbc'],
      mac: MACS_OPENSSH, compress: COMPRESS, kexMarkers: [], serverSigAlgs: SIGS_74,
    },
    rsaBits: 2048,
    kernel: '3.10.0-1160.119.1.el7.x86_64',
    kernelBuild: '#1 SMP Tue Jun 4 14:43:51 UTC 2024',
    prettyName: 'CentOS Linux 7 (Core)',
    osRelease: osRelease({
      NAME: 'CentOS Linux', VERSION: '7 (Core)', ID: 'centos', ID_LIKE: 'rhel fedora', VERSION_ID: '7',
      PRETTY_NAME: 'CentOS Linux 7 (Core)', ANSI_COLOR: '0;31', CPE_NAME: 'cpe:/o:centos:centos:7', HOME_URL: 'https://www.centos.org/',
      BUG_REPORT_URL: 'https://bugs.centos.org/',
    }),
    motd: '',
    sudoGroup: 'wheel', shell: '/bin/bash', authMethods: ['publickey', 'gssapi-keyex', 'gssapi-with-mic', 'password'],
  },
  alpine: {
    sshIdent: 'OpenSSH_9.6',
    ssh: {
      kex: ['sntrup761x25519-sha512@openssh.com', ...KEX_CURVES, ...KEX_TAIL],
      hostKey: HOSTKEY_MODERN, cipher: CIPHERS_OPENSSH, mac: MACS_OPENSSH, compress: COMPRESS, kexMarkers: ['ext-info-s', STRICT], serverSigAlgs: SIGS_85,
    },
    rsaBits: 3072,
    kernel: '6.6.32-0-lts',
    kernelBuild: '#1-Alpine SMP PREEMPT_DYNAMIC Fri, 24 May 2024 10:11:26 +0000',
    prettyName: 'Alpine Linux v3.19',
    osRelease: osRelease({
      NAME: 'Alpine Linux', ID: 'alpine', VERSION_ID: '3.19.1', PRETTY_NAME: 'Alpine Linux v3.19',
      HOME_URL: 'https://alpinelinux.org/', BUG_REPORT_URL: 'https://gitlab.alpinelinux.org/alpine/aports/-/issues',
    }),
    motd: `Welcome to Alpine!

The Alpine Wiki contains a large amount of how-to guides and general
information about administrating Alpine systems.
See <https://wiki.alpinelinux.org/>.

You can setup the system with the command: setup-alpine

You may change this message by editing /etc/motd.

`,
    sudoGroup: 'wheel', shell: '/bin/ash', authMethods: ['publickey', 'password', 'keyboard-interactive'],
  },
  fedora: {
    sshIdent: 'OpenSSH_9.3',
    ssh: RHEL_SSH,
    rsaBits: 3072,
    kernel: '6.8.11-200.fc39.x86_64',
    kernelBuild: '#1 SMP PREEMPT_DYNAMIC Mon May 27 16:34:57 UTC 2024',
    prettyName: 'Fedora Linux 39 (Server Edition)',
    osRelease: osRelease({
      NAME: 'Fedora Linux', VERSION: '39 (Server Edition)', ID: 'fedora', VERSION_ID: '39', VERSION_CODENAME: '',
      PLATFORM_ID: 'platform:f39', PRETTY_NAME: 'Fedora Linux 39 (Server Edition)', ANSI_COLOR: '0;38;2;60;110;180',
      CPE_NAME: 'cpe:/o:fedoraproject:fedora:39', HOME_URL: 'https://fedoraproject.org/', VARIANT: 'Server Edition', VARIANT_ID: 'server',
    }),
    motd: '',
    sudoGroup: 'wheel', shell: '/bin/bash', authMethods: ['publickey', 'gssapi-keyex', 'gssapi-with-mic', 'password'],
  },
  kali: {
    sshIdent: 'OpenSSH_9.9p1 Debian-3',
    ssh: {
      kex: [
        'sntrup761x25519-sha512', 'sntrup761x25519-sha512@openssh.com', 'mlkem768x25519-sha256', ...KEX_CURVES, ...KEX_TAIL,
      ],
      hostKey: HOSTKEY_MODERN, cipher: CIPHERS_OPENSSH, mac: MACS_OPENSSH, compress: COMPRESS, kexMarkers: ['ext-info-s', STRICT], serverSigAlgs: SIGS_85,
    },
    rsaBits: 3072,
    kernel: '6.11.2-amd64',
    kernelBuild: '#1 SMP PREEMPT_DYNAMIC Kali 6.11.2-1kali1 (2024-10-15)',
    prettyName: 'Kali GNU/Linux Rolling',
    osRelease: osRelease({
      PRETTY_NAME: 'Kali GNU/Linux Rolling', NAME: 'Kali GNU/Linux', VERSION_ID: '2024.4', VERSION: '2024.4',
      VERSION_CODENAME: 'kali-rolling', ID: 'kali', ID_LIKE: 'debian', HOME_URL: 'https://www.kali.org/',
      SUPPORT_URL: 'https://forums.kali.org/', BUG_REPORT_URL: 'https://bugs.kali.org/', ANSI_COLOR: '1;31',
    }),
    motd: DEBIAN_MOTD.replace(/Debian GNU\/Linux/g, 'Kali GNU/Linux'),
    ...DEBIAN_SHELL,
  },
  arch: {
    sshIdent: 'OpenSSH_9.8',
    ssh: {
      kex: ['sntrup761x25519-sha512@openssh.com', ...KEX_CURVES, ...KEX_TAIL],
      hostKey: HOSTKEY_MODERN, cipher: CIPHERS_OPENSSH, mac: MACS_OPENSSH, compress: COMPRESS, kexMarkers: ['ext-info-s', STRICT], serverSigAlgs: SIGS_85,
    },
    rsaBits: 3072,
    kernel: '6.10.10-arch1-1',
    kernelBuild: '#1 SMP PREEMPT_DYNAMIC Thu, 12 Sep 2024 17:21:02 +0000',
    prettyName: 'Arch Linux',
    osRelease: osRelease({
      NAME: 'Arch Linux', PRETTY_NAME: 'Arch Linux', ID: 'arch', BUILD_ID: 'rolling', ANSI_COLOR: '38;2;23;147;209',
      HOME_URL: 'https://archlinux.org/', DOCUMENTATION_URL: 'https://wiki.archlinux.org/', LOGO: 'archlinux-logo',
    }),
    motd: '',
    sudoGroup: 'wheel', shell: '/bin/bash', authMethods: ['publickey', 'password'],
  },
})

/**
 * The distro's catalogue profile (getDistro) with its shell persona. Unknown
 * or non-Linux distros fall back to Debian, as upstream's builds do.
 */
export function distroPersona(slug: string | undefined): DistroPersona {
  const profile = getDistro(slug !== undefined && hasDistro(slug) ? slug : DEFAULT_DISTRO)
  return Object.freeze({ ...profile, ...DISTRO_SHELLS[profile.slug] })
}
