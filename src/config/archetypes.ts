// Archetypes: a named role that picks a decky's services,
// preferred distros and OS family at once.
//
// Changed on purpose: upstream's `industrial-control` runs conpot AND snmp, and
// both claim port 161 in one network namespace. conpot already answers
// SNMP on 161, so the archetype here is conpot alone.
import { UserError } from '../errors.js'

export interface Archetype {
  slug: string
  displayName: string
  description: string
  services: readonly string[]
  preferredDistros: readonly string[]
  /** OS family (sysctl persona): linux, windows, windows_server, bsd, embedded, cisco. */
  nmapOs: string
}

const a = (
  slug: string,
  displayName: string,
  services: string[],
  preferredDistros: string[],
  nmapOs: string,
  description: string,
): Archetype => Object.freeze({ slug, displayName, description, services: Object.freeze(services), preferredDistros: Object.freeze(preferredDistros), nmapOs })

export const ARCHETYPES: readonly Archetype[] = Object.freeze([
  a('windows-workstation', 'Windows Workstation', ['smb', 'rdp'], ['debian', 'ubuntu22'], 'windows', 'A Windows desktop with file sharing and remote desktop.'),
  a('windows-server', 'Windows Server', ['smb', 'rdp', 'ldap'], ['debian', 'ubuntu22'], 'windows_server', 'A Windows member server with SMB, RDP and LDAP.'),
  a('domain-controller', 'Domain Controller', ['ldap', 'smb', 'rdp', 'llmnr'], ['debian', 'ubuntu22'], 'windows_server', 'An Active Directory domain controller.'),
  a('linux-server', 'Linux Server', ['ssh', 'http'], ['debian', 'ubuntu22', 'rocky9', 'fedora'], 'linux', 'A general-purpose Linux server with SSH and a web page.'),
  a('web-server', 'Web Server', ['http', 'ftp'], ['debian', 'ubuntu22', 'ubuntu20'], 'linux', 'A web server with FTP for uploads.'),
  a('database-server', 'Database Server', ['mysql', 'postgres', 'redis'], ['debian', 'ubuntu22'], 'linux', 'MySQL, PostgreSQL and Redis on one host.'),
  a('mail-server', 'Mail Server', ['smtp', 'pop3', 'imap'], ['debian', 'ubuntu22'], 'linux', 'A mail server: SMTP, POP3 and IMAP.'),
  a('file-server', 'File Server', ['smb', 'ftp', 'ssh'], ['debian', 'ubuntu22', 'rocky9'], 'linux', 'A file server with SMB, FTP and SSH.'),
  a('printer', 'Network Printer', ['snmp', 'ftp'], ['alpine', 'debian'], 'embedded', 'A network printer answering SNMP and FTP.'),
  a('iot-device', 'IoT Device', ['mqtt', 'snmp', 'telnet'], ['alpine'], 'embedded', 'An embedded device with MQTT, SNMP and telnet.'),
  a('industrial-control', 'Industrial Control System', ['conpot'], ['debian'], 'embedded', 'A PLC / SCADA device (Modbus, SNMP, HTTP via conpot).'),
  a('voip-server', 'VoIP Server', ['sip'], ['debian', 'ubuntu22'], 'linux', 'A SIP server.'),
  a('monitoring-node', 'Monitoring Node', ['snmp', 'ssh'], ['debian', 'rocky9'], 'linux', 'A monitoring host with SNMP and SSH.'),
  a('devops-host', 'DevOps Host', ['docker_api', 'ssh', 'k8s'], ['ubuntu22', 'debian'], 'linux', 'A build/deploy host exposing Docker, SSH and Kubernetes APIs.'),
  a('deaddeck', 'Deaddeck', ['ssh'], ['debian', 'ubuntu22'], 'linux', 'A bare host with SSH only.'),
])

const BY_SLUG = new Map(ARCHETYPES.map((x) => [x.slug, x]))

export function archetypeSlugs(): string[] {
  return ARCHETYPES.map((x) => x.slug)
}

export function getArchetype(slug: string): Archetype {
  const x = BY_SLUG.get(slug)
  if (!x) throw new UserError('ARCHETYPE_UNKNOWN', `Unknown archetype '${slug}'. Available: ${[...BY_SLUG.keys()].sort().join(', ')}`)
  return x
}
