// Per-connection state shared by the command handlers.
import type { HoneypotContext, Session } from '../../runtime/context.js'
import type { WindowsIdentity } from '../shared/windows-identity.js'
import type { BaitNode, Share } from './bait.js'
import type { Smb2Header } from './header.js'
import type { VolumeFacts } from './info.js'
import type { RpcPipe } from './rpc.js'
import type { CipherKeys } from './transform.js'
import type { UploadBuffer } from '../../runtime/upload-buffer.js'

export interface ServerEnv {
  ctx: HoneypotContext
  identity: WindowsIdentity
  serverGuid: Buffer
  shares: Share[]
  /** Bait accounts: lower-case user → password. */
  accounts: Map<string, string>
  volume: VolumeFacts
}

export interface AuthState {
  id: bigint
  rounds: number
  challenge?: Buffer
  clientFlags?: number
  mechTypes?: Buffer
  preauth?: Buffer
  done: boolean
  anonymous: boolean
  user?: string
  domain?: string
  signingKey?: Buffer
  cipherKeys?: CipherKeys
}

export interface Tree {
  id: number
  sessionId: bigint
  share: Share
}

export interface Open {
  id: Buffer
  treeId: number
  share: Share
  path: string
  node?: BaitNode
  /** Named pipe on IPC$ (e.g. "srvsvc"). */
  pipe?: string
  pipeOut: Buffer[]
  /** A file being uploaded (created by this open). */
  upload?: { dir: BaitNode; name: string; buf: UploadBuffer }
  rpc?: RpcPipe
  listed: boolean
}

export interface ConnState {
  env: ServerEnv
  s: Session
  dialect: number
  /** Capabilities we answered with. */
  capabilities: number
  /** Negotiated cipher (0 = none). */
  cipher: number
  /** 3.1.1 connection preauth hash after NEGOTIATE. */
  preauth?: Buffer
  clientGuid?: Buffer
  clientSecurityMode: number
  clientCapabilities: number
  clientDialects: number[]
  sessions: Map<bigint, AuthState>
  trees: Map<number, Tree>
  opens: Map<string, Open>
  nextTreeId: number
}

export interface Request {
  hdr: Smb2Header
  /** This message only: header at 0, body at 64. Offsets in bodies count from 0 here. */
  msg: Buffer
  /** FileId of the previous CREATE in a related compound. */
  relatedFileId?: Buffer
}

export interface Reply {
  status: number
  body: Buffer
  sessionId?: bigint
  treeId?: number
  /** Sign with this key although the request was not signed (final SESSION_SETUP). */
  forceSignKey?: Buffer
  /** Do not sign (failed SESSION_SETUP). */
  noSign?: boolean
  /** Close the connection after sending. */
  close?: boolean
  /** FileId produced (CREATE), for related compounds. */
  fileId?: Buffer
  /** Sees the final response message (before signing): 3.1.1 preauth hashing. */
  onBuilt?: (msg: Buffer) => void
}
