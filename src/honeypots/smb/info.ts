// File and filesystem information classes (MS-FSCC 2.4, 2.5) for the bait tree.
import type { BaitNode } from './bait.js'

export const FILE_ATTRIBUTE_DIRECTORY = 0x10
export const FILE_ATTRIBUTE_ARCHIVE = 0x20
const CLUSTER = 4096n

export const attrsOf = (n: BaitNode): number => (n.isDir ? FILE_ATTRIBUTE_DIRECTORY : FILE_ATTRIBUTE_ARCHIVE)
export const allocOf = (n: BaitNode): bigint => (n.isDir ? 0n : ((BigInt(n.size) + CLUSTER - 1n) / CLUSTER) * CLUSTER)

/** Times block: Creation, LastAccess, LastWrite, Change (32 bytes). */
function times(n: BaitNode): Buffer {
  const b = Buffer.alloc(32)
  b.writeBigUInt64LE(n.created, 0)
  b.writeBigUInt64LE(n.modified, 8)
  b.writeBigUInt64LE(n.modified, 16)
  b.writeBigUInt64LE(n.modified, 24)
  return b
}

export function basicInfo(n: BaitNode): Buffer {
  const b = Buffer.alloc(40)
  times(n).copy(b, 0)
  b.writeUInt32LE(attrsOf(n), 32)
  return b
}

export function standardInfo(n: BaitNode): Buffer {
  const b = Buffer.alloc(24)
  b.writeBigUInt64LE(allocOf(n), 0)
  b.writeBigUInt64LE(BigInt(n.size), 8)
  b.writeUInt32LE(1, 16)
  b[21] = n.isDir ? 1 : 0
  return b
}

export function networkOpenInfo(n: BaitNode): Buffer {
  const b = Buffer.alloc(56)
  times(n).copy(b, 0)
  b.writeBigUInt64LE(allocOf(n), 32)
  b.writeBigUInt64LE(BigInt(n.size), 40)
  b.writeUInt32LE(attrsOf(n), 48)
  return b
}

/** A stable 64-bit file index from the node's seed. */
export function fileIndex(n: BaitNode): bigint {
  let h = 0xcbf29ce484222325n
  for (const ch of Buffer.from(n.seed)) h = ((h ^ BigInt(ch)) * 0x100000001b3n) & 0xffffffffffffn
  return h
}

export function allInfo(n: BaitNode, path: string): Buffer {
  const name = Buffer.from(`\\${path}`, 'utf16le')
  const b = Buffer.alloc(100)
  basicInfo(n).copy(b, 0)
  standardInfo(n).copy(b, 40)
  b.writeBigUInt64LE(fileIndex(n), 64)
  b.writeUInt32LE(0x001f01ff, 76) // AccessFlags
  b.writeUInt32LE(0, 80) // CurrentByteOffset (8) ends at 88; Mode @88, Alignment @92
  b.writeUInt32LE(name.length, 96)
  return Buffer.concat([b, name])
}

/** FILE_INFORMATION_CLASS → bytes, or undefined when unsupported. */
export function fileInfo(cls: number, n: BaitNode, path: string): Buffer | undefined {
  switch (cls) {
    case 4: return basicInfo(n)
    case 5: return standardInfo(n)
    case 6: {
      const b = Buffer.alloc(8)
      b.writeBigUInt64LE(fileIndex(n))
      return b
    }
    case 7: return Buffer.alloc(4) // FileEaInformation
    case 8: { const b = Buffer.alloc(4); b.writeUInt32LE(0x001200a9); return b } // FileAccessInformation
    case 14: return Buffer.alloc(8) // FilePositionInformation
    case 16: return Buffer.alloc(4) // FileModeInformation
    case 17: return Buffer.alloc(4) // FileAlignmentInformation
    case 18: return allInfo(n, path)
    case 22: { // FileStreamInformation
      if (n.isDir) return Buffer.alloc(0)
      const name = Buffer.from('::$DATA', 'utf16le')
      const b = Buffer.alloc(24)
      b.writeUInt32LE(name.length, 4)
      b.writeBigUInt64LE(BigInt(n.size), 8)
      b.writeBigUInt64LE(allocOf(n), 16)
      return Buffer.concat([b, name])
    }
    case 34: return networkOpenInfo(n)
    case 35: { const b = Buffer.alloc(8); b.writeUInt32LE(attrsOf(n)); return b } // FileAttributeTagInformation
    default: return undefined
  }
}

export interface VolumeFacts {
  serial: number
  created: bigint
  totalUnits: bigint
  freeUnits: bigint
}

/** FS_INFORMATION_CLASS → bytes. */
export function fsInfo(cls: number, v: VolumeFacts): Buffer | undefined {
  switch (cls) {
    case 1: { // FileFsVolumeInformation
      const b = Buffer.alloc(18)
      b.writeBigUInt64LE(v.created, 0)
      b.writeUInt32LE(v.serial, 8)
      return b
    }
    case 3: { // FileFsSizeInformation
      const b = Buffer.alloc(24)
      b.writeBigUInt64LE(v.totalUnits, 0)
      b.writeBigUInt64LE(v.freeUnits, 8)
      b.writeUInt32LE(8, 16)
      b.writeUInt32LE(512, 20)
      return b
    }
    case 4: { // FileFsDeviceInformation: FILE_DEVICE_DISK, FILE_DEVICE_IS_MOUNTED
      const b = Buffer.alloc(8)
      b.writeUInt32LE(7, 0)
      b.writeUInt32LE(0x20, 4)
      return b
    }
    case 5: { // FileFsAttributeInformation: NTFS
      const name = Buffer.from('NTFS', 'utf16le')
      const b = Buffer.alloc(12)
      b.writeUInt32LE(0x03e706ff, 0)
      b.writeUInt32LE(255, 4)
      b.writeUInt32LE(name.length, 8)
      return Buffer.concat([b, name])
    }
    case 7: { // FileFsFullSizeInformation
      const b = Buffer.alloc(32)
      b.writeBigUInt64LE(v.totalUnits, 0)
      b.writeBigUInt64LE(v.freeUnits, 8)
      b.writeBigUInt64LE(v.freeUnits, 16)
      b.writeUInt32LE(8, 24)
      b.writeUInt32LE(512, 28)
      return b
    }
    case 8: return Buffer.alloc(64) // FileFsObjectIdInformation
    default: return undefined
  }
}

/** Directory entry for QUERY_DIRECTORY, unpadded; NextEntryOffset filled by the caller. */
export function dirEntry(cls: number, n: BaitNode, name: string, index: number): Buffer | undefined {
  const nameBuf = Buffer.from(name, 'utf16le')
  const common = (nameAt: number) => {
    const b = Buffer.alloc(nameAt)
    b.writeUInt32LE(index, 4)
    times(n).copy(b, 8)
    b.writeBigUInt64LE(BigInt(n.size), 40)
    b.writeBigUInt64LE(allocOf(n), 48)
    b.writeUInt32LE(attrsOf(n), 56)
    b.writeUInt32LE(nameBuf.length, 60)
    return b
  }
  switch (cls) {
    case 1: return Buffer.concat([common(64), nameBuf]) // FileDirectoryInformation
    case 2: return Buffer.concat([common(68), nameBuf]) // FileFullDirectoryInformation
    case 3: return Buffer.concat([common(94), nameBuf]) // FileBothDirectoryInformation
    case 37: { // FileIdBothDirectoryInformation
      const b = common(104)
      b.writeBigUInt64LE(fileIndex(n), 96)
      return Buffer.concat([b, nameBuf])
    }
    case 38: { // FileIdFullDirectoryInformation
      const b = common(80)
      b.writeBigUInt64LE(fileIndex(n), 72)
      return Buffer.concat([b, nameBuf])
    }
    case 12: { // FileNamesInformation
      const b = Buffer.alloc(12)
      b.writeUInt32LE(index, 4)
      b.writeUInt32LE(nameBuf.length, 8)
      return Buffer.concat([b, nameBuf])
    }
    default: return undefined
  }
}
