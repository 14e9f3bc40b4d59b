// Limits of the HTTP/1.1 front end. Values follow Apache 2.4's defaults so the
// error a client gets for an oversized request is the one Apache would give.

/** LimitRequestLine (Apache 8190 + CRLF). Longer request line → 414. */
export const MAX_REQUEST_LINE = 8192
/** LimitRequestFieldSize. A longer header line → 400 (Apache) / 400 "Header Or Cookie Too Large" (nginx). */
export const MAX_HEADER_LINE = 8192
/** LimitRequestFields. More header lines → 400. */
export const MAX_HEADER_COUNT = 100
/** Whole request head; past this the request is refused even if each line is short. */
export const MAX_HEAD_BYTES = 64 * 1024
/** Body bytes kept per request (the rest is read and discarded). */
export const MAX_BODY_KEPT = 1024 * 1024
/** Longest chunk-size line of a chunked body. */
export const MAX_CHUNK_LINE = 1024
/** mod_reqtimeout `header=20-40`: a request head must arrive within this. */
export const HEADER_TIMEOUT_MS = 20_000
/** MaxKeepAliveRequests. */
export const MAX_KEEPALIVE_REQUESTS = 100
/** Parsed requests waiting for their response before the socket is paused. */
export const MAX_PIPELINE = 16
/** Body bytes of parsed requests waiting for their response before the socket is paused. */
export const MAX_QUEUED_BODY_BYTES = 2 * 1024 * 1024
/** Body characters copied into the `request` event. */
export const EVENT_BODY_CHARS = 512
/** Header value characters copied into events. */
export const EVENT_HEADER_VALUE_CHARS = 1024
/** Largest file served from the `files` folder. */
export const MAX_SERVED_FILE = 16 * 1024 * 1024
