export { accessibleKeys, canClientAccessKeyset, type KeyClient, keysetsById } from './access.js';
export {
  type ActiveKeyRule,
  activeKeyInSorted,
  type KeyWindow,
  selectActiveKey,
  sortKeysByActivates,
} from './active-key.js';
export { buildKeyBidstreamBody, type KeyBidstreamBody, type KeyBidstreamConfig } from './bidstream-body.js';
export {
  type ContainerKey,
  getActiveDefaultKey,
  getActiveKeysetKey,
  getActiveMasterKey,
  isDomainOrAppNameAllowedForSite,
  isKeyContainerValid,
  type KeyContainer,
} from './container.js';
export {
  decryptTokenWithContainer,
  type SdkClientMode,
  type SdkDecryptionResult,
  type SdkDecryptOptions,
} from './decrypt.js';
export {
  encryptRawUidIntoToken,
  type SdkEncryptionResult,
  type SdkEncryptOptions,
  sharingIdentityTypeOfRawUid,
} from './encrypt.js';
export {
  buildSiteData,
  type KeyEndpointInput,
  type KeyJson,
  keyToJson,
  type SiteDataJson,
  type SiteDataOptions,
  type SiteNames,
} from './key-json.js';
export { buildKeyLatestBody, type LegacyKeyJson } from './latest-body.js';
export * from './model.js';
export { type KeyContainerError, type KeyContainerErrorCode, parseKeyContainer } from './parse-container.js';
export {
  buildKeySharingBody,
  defaultKeysetOfSite,
  type KeySharingBody,
  type KeySharingConfig,
} from './sharing-body.js';
export type { SdkDecryptionStatus, SdkEncryptionStatus } from './status.js';
