// OS fingerprint families: the netns-scoped sysctls a decky's base container
// (or network namespace) gets, so TTL, SYN retries, timestamps, window scaling,
// SACK, ECN and ICMP rate limits look like the claimed OS (the sysctls are
// those of the Linux kernel's Documentation/networking/ip-sysctl.rst).
// No TCP window sysctl: rmem is not per-namespace.

export const OS_FAMILIES = ['linux', 'windows', 'windows_server', 'bsd', 'embedded', 'cisco'] as const
export type OsFamily = (typeof OS_FAMILIES)[number]

type Row = readonly [sysctl: string, linux: number, windows: number, windowsServer: number, bsd: number, embedded: number, cisco: number]

// Columns follow OS_FAMILIES: linux, windows, windows_server, bsd, embedded, cisco.
const TABLE: readonly Row[] = [
  ['net.ipv4.ip_default_ttl', 64, 128, 128, 64, 255, 255],
  ['net.ipv4.tcp_syn_retries', 6, 2, 2, 6, 3, 2],
  ['net.ipv4.tcp_timestamps', 1, 1, 1, 1, 0, 0],
  ['net.ipv4.tcp_window_scaling', 1, 1, 1, 1, 0, 0],
  ['net.ipv4.tcp_sack', 1, 1, 1, 1, 0, 0],
  ['net.ipv4.tcp_ecn', 2, 0, 1, 0, 0, 0],
  ['net.ipv4.ip_no_pmtu_disc', 0, 0, 0, 0, 1, 1],
  ['net.ipv4.tcp_fin_timeout', 60, 30, 30, 60, 15, 15],
  ['net.ipv4.icmp_ratelimit', 1000, 0, 0, 250, 0, 0],
  ['net.ipv4.icmp_ratemask', 6168, 0, 0, 6168, 0, 0],
]

export function isOsFamily(s: string): s is OsFamily {
  return (OS_FAMILIES as readonly string[]).includes(s)
}

/** Sysctls of a family, values as strings; an unknown family is treated as linux. */
export function osSysctls(family: string): Record<string, string> {
  const col = isOsFamily(family) ? OS_FAMILIES.indexOf(family) : 0
  const out: Record<string, string> = {}
  for (const [key, ...values] of TABLE) out[key] = String(values[col])
  return out
}
