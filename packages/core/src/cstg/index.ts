export { cstgAad, cstgAadText } from './aad.js';
export type { CstgError, CstgErrorCode } from './errors.js';
export { CSTG_EMAIL_ONLY_MESSAGE, CSTG_UNKNOWN_ERROR_MESSAGE } from './errors.js';
export type { CstgKeyPair } from './key-pair.js';
export { generateClientSideKeyPair } from './key-pair.js';
export type {
  CstgKeyEnvironment,
  CstgKeyTextError,
  CstgKeyTextErrorCode,
  CstgPrivateKey,
  CstgPublicKey,
} from './key-text.js';
export {
  CSTG_KEY_PREFIX_LENGTH,
  formatCstgPrivateKeyText,
  formatCstgPublicKeyText,
  parseCstgPrivateKeyText,
  parseCstgPublicKeyText,
} from './key-text.js';
export type { CstgRequestBody, CstgRequestFields } from './request-body.js';
export { cstgRequestFromJson, parseCstgRequestBody } from './request-body.js';
export type {
  CstgBuiltRequest,
  CstgIdentity,
  CstgRequestOptions,
  CstgWireRequest,
} from './request-build.js';
export { buildCstgRequest } from './request-build.js';
export type { CstgDecryptedRequest, CstgDecryptOptions } from './request-decrypt.js';
export { decryptCstgRequest } from './request-decrypt.js';
export type { CstgSealedPayload } from './request-seal.js';
export { sealCstgPayload } from './request-seal.js';
export type { CstgResponseError, CstgResponseErrorCode } from './response.js';
export { decryptCstgResponse, encryptCstgResponse } from './response.js';
export { cstgSharedKey } from './shared-key.js';
export {
  CSTG_SUBSCRIPTION_ID_ALPHABET,
  CSTG_SUBSCRIPTION_ID_LENGTH,
  generateSubscriptionId,
} from './subscription-id.js';
