// RFC 5424 lines for decnet events: see format.ts for the byte layout.
export { formatEvent, headerField, sdName, SD_ID, LEGACY_SD_ID, FACILITY_LOCAL0, HEADER_LIMITS } from './format.js'
export { parseLine, canonicalTime } from './parse.js'
export { escapeParamValue, escapeMsg, unescapeMsg } from './escape.js'
export { encodeSecret } from '../events/event.js'
