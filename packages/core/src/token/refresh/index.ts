export * from './inner.js';
export { encodeRefreshTokenV2, REFRESH_V2_GRACE_MS } from './inner-v2.js';
export { encodeRefreshTokenV3, REFRESH_TOKEN_V3_LENGTH } from './inner-v3.js';
export * from './response.js';
export * from './types.js';
export * from './wrapped.js';
