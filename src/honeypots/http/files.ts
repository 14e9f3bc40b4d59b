// Serving the persona's `files` folder: no traversal, no symlink escape,
// bounded size. Returns undefined when the path names no regular file.
import { open, realpath, stat } from 'node:fs/promises'
import { join, sep, extname } from 'node:path'
import { MAX_SERVED_FILE } from './constants.js'

const MIME: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html', '.htm': 'text/html', '.txt': 'text/plain', '.css': 'text/css', '.js': 'application/javascript',
  '.json': 'application/json', '.xml': 'application/xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg',
  '.gif': 'image/gif', '.svg': 'image/svg+xml', '.ico': 'image/vnd.microsoft.icon', '.pdf': 'application/pdf',
  '.zip': 'application/zip', '.gz': 'application/gzip', '.tar': 'application/x-tar', '.sql': 'application/sql',
  '.bak': 'application/octet-stream', '.conf': 'text/plain', '.env': 'text/plain', '.php': 'text/html', '.csv': 'text/csv',
})

export interface ServedFile {
  data: Buffer
  mtime: Date
  contentType: string
}

/** A directory named without its trailing slash (mod_dir answers 301 to path + '/'). */
export interface DirectoryRedirect {
  redirect: string
}

/**
 * `path` is the decoded, dot-segment-free URL path (starts with '/').
 * Directories serve their index.html.
 */
export async function readServedFile(root: string, path: string): Promise<ServedFile | DirectoryRedirect | undefined> {
  if (path.includes('\0') || path.split('/').some((seg) => seg === '..')) return undefined
  let base: string
  try {
    base = await realpath(root)
  } catch {
    return undefined
  }
  let target = join(base, ...path.split('/').filter((s) => s !== ''))
  try {
    let real = await realpath(target)
    if (real !== base && !real.startsWith(base + sep)) return undefined
    let st = await stat(real)
    if (st.isDirectory()) {
      if (!path.endsWith('/')) return { redirect: `${path}/` }
      target = join(real, 'index.html')
      real = await realpath(target)
      if (!real.startsWith(base + sep)) return undefined
      st = await stat(real)
    }
    if (!st.isFile() || st.size > MAX_SERVED_FILE) return undefined
    const fh = await open(real, 'r')
    try {
      const data = await fh.readFile()
      return { data, mtime: st.mtime, contentType: MIME[extname(real).toLowerCase()] ?? 'application/octet-stream' }
    } finally {
      await fh.close()
    }
  } catch {
    return undefined
  }
}
