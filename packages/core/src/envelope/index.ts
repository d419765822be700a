/**
 * The v2 request/response encryption envelope (api.md §3, tokens-and-keys.md §5.9).
 * Server side: openRequestEnvelope, sealResponseEnvelope. Client side: sealRequestEnvelope,
 * openResponseEnvelope. Wire helpers: envelopeWireBody, isOctetStreamContentType.
 */
export * from './constants.js';
export * from './json.js';
export * from './messages.js';
export * from './request.js';
export * from './response.js';
