/**
 * @uid2-ts/core — every UID2 data format, pure and synchronous, built on node:crypto only.
 * One folder per concept; shared internals live in lib/.
 */
export * from './cstg/index.js';
export * from './envelope/index.js';
export * from './identity/index.js';
export * from './keys/index.js';
export {
  fromBase64,
  fromBase64Bytes,
  fromBase64Url,
  toBase64,
  toBase64Bytes,
  toBase64Url,
} from './lib/base64.js';
export type { CodedError, Result } from './lib/result.js';
export * from './token/index.js';
export * from './uid/index.js';
