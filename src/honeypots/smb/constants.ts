// SMB2/3 numbers from MS-SMB2 §2.2, NetBIOS session service from RFC 1002 §4.3.

/** NBSS packet types (RFC 1002 §4.3.1). */
export const NBSS = Object.freeze({
  SESSION_MESSAGE: 0x00,
  SESSION_REQUEST: 0x81,
  POSITIVE_RESPONSE: 0x82,
  NEGATIVE_RESPONSE: 0x83,
  RETARGET_RESPONSE: 0x84,
  KEEP_ALIVE: 0x85,
})

export const SMB1_MAGIC = Buffer.from([0xff, 0x53, 0x4d, 0x42])
export const SMB2_MAGIC = Buffer.from([0xfe, 0x53, 0x4d, 0x42])
export const SMB2_TRANSFORM_MAGIC = Buffer.from([0xfd, 0x53, 0x4d, 0x42])
export const SMB1_COM_NEGOTIATE = 0x72
export const SMB2_HEADER_SIZE = 64

/** SMB2 commands (MS-SMB2 2.2.1.2). */
export const CMD = Object.freeze({
  NEGOTIATE: 0x0000,
  SESSION_SETUP: 0x0001,
  LOGOFF: 0x0002,
  TREE_CONNECT: 0x0003,
  TREE_DISCONNECT: 0x0004,
  CREATE: 0x0005,
  CLOSE: 0x0006,
  FLUSH: 0x0007,
  READ: 0x0008,
  WRITE: 0x0009,
  LOCK: 0x000a,
  IOCTL: 0x000b,
  CANCEL: 0x000c,
  ECHO: 0x000d,
  QUERY_DIRECTORY: 0x000e,
  CHANGE_NOTIFY: 0x000f,
  QUERY_INFO: 0x0010,
  SET_INFO: 0x0011,
  OPLOCK_BREAK: 0x0012,
})
export const CMD_NAME: Readonly<Record<number, string>> = Object.freeze(
  Object.fromEntries(Object.entries(CMD).map(([k, v]) => [v, k.toLowerCase()])),
)

/** Header flags (MS-SMB2 2.2.1.2). */
export const FLAGS = Object.freeze({
  SERVER_TO_REDIR: 0x00000001,
  ASYNC_COMMAND: 0x00000002,
  RELATED_OPERATIONS: 0x00000004,
  SIGNED: 0x00000008,
  DFS_OPERATIONS: 0x10000000,
})

export const DIALECT = Object.freeze({
  SMB202: 0x0202,
  SMB210: 0x0210,
  SMB300: 0x0300,
  SMB302: 0x0302,
  SMB311: 0x0311,
  WILDCARD: 0x02ff,
})

/** NTSTATUS values we answer with (MS-ERREF 2.3.1). */
export const STATUS = Object.freeze({
  SUCCESS: 0x00000000,
  PENDING: 0x00000103,
  BUFFER_OVERFLOW: 0x80000005,
  NO_MORE_FILES: 0x80000006,
  INFO_LENGTH_MISMATCH: 0xc0000004,
  INVALID_HANDLE: 0xc0000008,
  INVALID_PARAMETER: 0xc000000d,
  INVALID_DEVICE_REQUEST: 0xc0000010,
  END_OF_FILE: 0xc0000011,
  MORE_PROCESSING_REQUIRED: 0xc0000016,
  ACCESS_DENIED: 0xc0000022,
  OBJECT_NAME_INVALID: 0xc0000033,
  OBJECT_NAME_NOT_FOUND: 0xc0000034,
  OBJECT_NAME_COLLISION: 0xc0000035,
  OBJECT_PATH_NOT_FOUND: 0xc000003a,
  LOGON_FAILURE: 0xc000006d,
  FILE_IS_A_DIRECTORY: 0xc00000ba,
  NOT_SUPPORTED: 0xc00000bb,
  NETWORK_NAME_DELETED: 0xc00000c9,
  BAD_NETWORK_NAME: 0xc00000cc,
  REQUEST_NOT_ACCEPTED: 0xc00000d0,
  NOT_A_DIRECTORY: 0xc0000103,
  FILE_CLOSED: 0xc0000128,
  USER_SESSION_DELETED: 0xc0000203,
  NOT_FOUND: 0xc0000225,
  FS_DRIVER_REQUIRED: 0xc000019c,
})

/** SecurityMode (MS-SMB2 2.2.4). */
export const SIGNING_ENABLED = 0x0001
export const SIGNING_REQUIRED = 0x0002

/** Capabilities (MS-SMB2 2.2.4). */
export const CAP = Object.freeze({
  DFS: 0x01,
  LEASING: 0x02,
  LARGE_MTU: 0x04,
  MULTI_CHANNEL: 0x08,
  PERSISTENT_HANDLES: 0x10,
  DIRECTORY_LEASING: 0x20,
  ENCRYPTION: 0x40,
})

/** Negotiate context types (MS-SMB2 2.2.3.1). */
export const NEG_CTX = Object.freeze({
  PREAUTH_INTEGRITY_CAPABILITIES: 0x0001,
  ENCRYPTION_CAPABILITIES: 0x0002,
  COMPRESSION_CAPABILITIES: 0x0003,
  NETNAME_NEGOTIATE_CONTEXT_ID: 0x0005,
  TRANSPORT_CAPABILITIES: 0x0006,
  RDMA_TRANSFORM_CAPABILITIES: 0x0007,
  SIGNING_CAPABILITIES: 0x0008,
})
export const HASH_SHA512 = 0x0001
export const CIPHER = Object.freeze({ AES_128_CCM: 0x0001, AES_128_GCM: 0x0002 })
/** Ciphers in the order a Windows server prefers them (the 128-bit ones; AES-256 is not offered). */
export const CIPHER_PREFERENCE: readonly number[] = [CIPHER.AES_128_GCM, CIPHER.AES_128_CCM]

/** SessionFlags (MS-SMB2 2.2.6). */
export const SESSION_FLAG = Object.freeze({ IS_GUEST: 0x0001, IS_NULL: 0x0002, ENCRYPT_DATA: 0x0004 })

/** ShareType (MS-SMB2 2.2.10). */
export const SHARE_TYPE = Object.freeze({ DISK: 0x01, PIPE: 0x02, PRINT: 0x03 })

/** FSCTL / IOCTL codes (MS-FSCC 2.3). */
export const FSCTL = Object.freeze({
  DFS_GET_REFERRALS: 0x00060194,
  DFS_GET_REFERRALS_EX: 0x000601b0,
  PIPE_TRANSCEIVE: 0x0011c017,
  PIPE_WAIT: 0x00110018,
  VALIDATE_NEGOTIATE_INFO: 0x00140204,
  QUERY_NETWORK_INTERFACE_INFO: 0x001401fc,
})

/** Limits. */
export const MAX_PDU = 1 << 20
export const MAX_READ = 8 * 1024 * 1024
/** Largest credit grant per response. */
export const MAX_CREDITS = 512
export const MAX_SESSIONS = 16
export const MAX_TREES = 32
export const MAX_OPENS = 256
/** SESSION_SETUP rounds per session before we give up on it. */
export const MAX_AUTH_ROUNDS = 4
