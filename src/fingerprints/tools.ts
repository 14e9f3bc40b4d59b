// Names of attack tools and client libraries, recognised from user agents and
// protocol client banners (the sniffer's ssh_client_banner `tool`, the store's
// fingerprint rows). A table: pattern → tool. First match wins.

const TOOL_PATTERNS: readonly (readonly [RegExp, string])[] = [
  [/Nmap Scripting Engine|\bnmap\b/i, 'nmap'],
  [/masscan/i, 'masscan'],
  [/zgrab/i, 'zgrab'],
  [/\bzmap\b/i, 'zmap'],
  [/Nikto/i, 'nikto'],
  [/sqlmap/i, 'sqlmap'],
  [/gobuster/i, 'gobuster'],
  [/DirBuster/i, 'dirbuster'],
  [/\bffuf\b|Fuzz Faster U Fool/i, 'ffuf'],
  [/\bferoxbuster\b/i, 'feroxbuster'],
  [/Nuclei/i, 'nuclei'],
  [/WPScan/i, 'wpscan'],
  [/Hydra/i, 'hydra'],
  [/Medusa/i, 'medusa'],
  [/CensysInspect|Censys/i, 'censys'],
  [/Expanse/i, 'expanse'],
  [/InternetMeasurement/i, 'internet-measurement'],
  [/Metasploit|\bmsf\b/i, 'metasploit'],
  [/^curl\//i, 'curl'],
  [/^Wget\//i, 'wget'],
  [/python-requests/i, 'python-requests'],
  [/Python-urllib|python-httpx|aiohttp/i, 'python'],
  [/Go-http-client/i, 'go-http-client'],
  [/libwww-perl/i, 'libwww-perl'],
  [/okhttp/i, 'okhttp'],
  [/^Java\//i, 'java'],
  [/axios|node-fetch|undici|^node$/i, 'node'],
  [/PowerShell/i, 'powershell'],
  // SSH client identification strings (RFC 4253 §4.2 software version)
  [/^SSH-2\.0-libssh2/i, 'libssh2'],
  [/^SSH-2\.0-libssh/i, 'libssh'],
  [/^SSH-2\.0-paramiko/i, 'paramiko'],
  [/^SSH-2\.0-Go\b/, 'go-ssh'],
  [/^SSH-2\.0-AsyncSSH/i, 'asyncssh'],
  [/^SSH-2\.0-JSCH/i, 'jsch'],
  [/^SSH-2\.0-PuTTY/i, 'putty'],
  [/^SSH-2\.0-dropbear/i, 'dropbear'],
  [/^SSH-2\.0-OpenSSH/i, 'openssh'],
]

/** The tool a user agent or client banner names, if any. */
export function toolOf(s: string): string | undefined {
  for (const [re, name] of TOOL_PATTERNS) if (re.test(s)) return name
  return undefined
}
