// The shares and bait files a decky shows over SMB: fixed Windows admin
// shares plus persona shares with seeded file names, sizes, times and contents.
import type { HoneypotContext } from '../../runtime/context.js'
import type { SeededRng } from '../../runtime/rng.js'
import { fileTime } from '../shared/ntlmssp.js'

export interface BaitNode {
  name: string
  isDir: boolean
  size: number
  /** FILETIME */
  created: bigint
  modified: bigint
  children?: BaitNode[]
  /** Seed label for the content. */
  seed: string
  /** Bytes an attacker uploaded (served back instead of seeded content). */
  data?: Buffer
}

export interface Share {
  name: string
  kind: 'disk' | 'ipc'
  remark: string
  /** Hidden admin share ($): never granted to attackers. */
  admin: boolean
  root: BaitNode
}

const DAY_MS = 86_400_000
const MAX_FILE_BYTES = 512 * 1024

const POOLS: Readonly<Record<string, readonly string[]>> = {
  Finance: ['Q3_Budget_Forecast.xlsx', 'Payroll_Summary.xlsx', 'Vendor_Bank_Details.docx', 'AP_Aging_Report.pdf', 'Expense_Policy.pdf'],
  HR: ['Employee_Directory.xlsx', 'Salary_Bands.xlsx', 'Onboarding_Checklist.docx', 'Performance_Reviews.zip'],
  IT: ['network_diagram.vsdx', 'vpn_setup.txt', 'server_inventory.csv', 'firewall_rules.xlsx', 'backup_schedule.txt'],
  Public: ['Employee_Handbook.pdf', 'IT_Onboarding.docx', 'Office_Floorplan.pdf', 'readme.txt', 'Holiday_Calendar.xlsx'],
  Scans: ['scan_0001.pdf', 'scan_0002.pdf', 'scan_0003.pdf', 'contract_signed.pdf'],
  Backups: ['sql_backup_notes.txt', 'veeam_jobs.csv', 'restore_procedure.docx'],
  Projects: ['Project_Plan.mpp', 'requirements.docx', 'status_report.pptx', 'budget.xlsx'],
}
const SUBDIRS: Readonly<Record<string, readonly string[]>> = {
  Finance: ['Invoices', 'Audit'],
  HR: ['Contracts'],
  IT: ['Scripts', 'Drivers'],
  Public: ['Templates', 'Forms'],
}
const EXTRA_SHARES = ['Finance', 'HR', 'IT', 'Scans', 'Backups', 'Projects'] as const

function node(rng: SeededRng, name: string, isDir: boolean, seed: string, now: number): BaitNode {
  const modifiedMs = now - rng.int(2, 420) * DAY_MS - rng.int(0, DAY_MS)
  const createdMs = modifiedMs - rng.int(0, 200) * DAY_MS
  return {
    name,
    isDir,
    size: isDir ? 0 : rng.int(900, MAX_FILE_BYTES),
    created: fileTime(createdMs),
    modified: fileTime(modifiedMs),
    seed,
    ...(isDir ? { children: [] } : {}),
  }
}

function diskShare(rng: SeededRng, name: string, now: number): BaitNode {
  const root = node(rng, '', true, `${name}/`, now)
  const pool = POOLS[name] ?? POOLS.Public ?? []
  const files = rng.shuffle(pool).slice(0, Math.max(2, rng.int(2, pool.length)))
  for (const f of files) root.children?.push(node(rng, f, false, `${name}/${f}`, now))
  for (const d of SUBDIRS[name] ?? []) {
    const dir = node(rng, d, true, `${name}/${d}/`, now)
    const n = rng.int(1, 3)
    for (let i = 0; i < n; i++) {
      const f = `${d.replace(/s$/, '')}_${rng.int(1000, 9999)}.pdf`
      dir.children?.push(node(rng, f, false, `${name}/${d}/${f}`, now))
    }
    root.children?.push(dir)
  }
  return root
}

/** Persona key `shares` (comma list) or a seeded default: Public plus one themed share. */
export function buildShares(ctx: HoneypotContext, now = Date.now()): Share[] {
  const rng = ctx.rng.fork('smb/shares')
  const raw = ctx.config.shares
  const named = typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter(Boolean) : Array.isArray(raw) ? raw.map(String) : []
  const names = named.length ? named : ['Public', rng.pick(EXTRA_SHARES)]
  const empty = (label: string) => node(rng, '', true, label, now)
  const shares: Share[] = [
    { name: 'ADMIN$', kind: 'disk', remark: 'Remote Admin', admin: true, root: empty('ADMIN$/') },
    { name: 'C$', kind: 'disk', remark: 'Default share', admin: true, root: empty('C$/') },
    { name: 'IPC$', kind: 'ipc', remark: 'Remote IPC', admin: false, root: empty('IPC$/') },
  ]
  for (const n of names.slice(0, 16)) shares.push({ name: n, kind: 'disk', remark: '', admin: false, root: diskShare(rng, n, now) })
  return shares
}

/** Resolve a share-relative path ("a\\b.txt", case-insensitive). */
export function lookup(root: BaitNode, path: string): BaitNode | undefined {
  let cur: BaitNode | undefined = root
  for (const part of path.split(/[\\/]+/).filter(Boolean)) {
    cur = cur?.children?.find((c) => c.name.toLowerCase() === part.toLowerCase())
    if (!cur) return undefined
  }
  return cur
}

const WORDS = ['review', 'quarterly', 'access', 'server', 'account', 'policy', 'update', 'network', 'approved', 'pending', 'budget', 'backup']

/** Uploaded files kept in memory per service (beyond: stored as artifacts only). */
export const MAX_KEPT_UPLOADS = 64
export const MAX_KEPT_UPLOAD_BYTES = 16 * 1024 * 1024
const kept = new WeakMap<HoneypotContext, { files: number; bytes: number }>()

/** Add an uploaded file to the tree (visible to later listings), within the caps. */
export function keepUpload(ctx: HoneypotContext, dir: BaitNode, name: string, data: Buffer, now = Date.now()): boolean {
  const k = kept.get(ctx) ?? { files: 0, bytes: 0 }
  if (k.files >= MAX_KEPT_UPLOADS || k.bytes + data.length > MAX_KEPT_UPLOAD_BYTES || !dir.children) return false
  kept.set(ctx, { files: k.files + 1, bytes: k.bytes + data.length })
  const t = fileTime(now)
  const existing = dir.children.findIndex((c) => c.name.toLowerCase() === name.toLowerCase())
  const n: BaitNode = { name, isDir: false, size: data.length, created: t, modified: t, seed: `upload/${name}`, data }
  if (existing >= 0) dir.children[existing] = n
  else dir.children.push(n)
  return true
}

/** File content: uploads as sent; readable lines for text types, seeded bytes otherwise. */
export function content(ctx: HoneypotContext, n: BaitNode): Buffer {
  if (n.data) return n.data
  const rng = ctx.rng.fork(`smb/file/${n.seed}`)
  if (/\.(txt|csv)$/i.test(n.name)) {
    const lines: string[] = []
    let len = 0
    while (len < n.size) {
      const l = Array.from({ length: rng.int(4, 10) }, () => rng.pick(WORDS)).join(n.name.endsWith('.csv') ? ',' : ' ')
      lines.push(l)
      len += l.length + 2
    }
    return Buffer.from(lines.join('\r\n')).subarray(0, n.size)
  }
  return rng.bytes(n.size)
}
