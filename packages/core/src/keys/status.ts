/**
 * SDK decryption statuses, with the .NET SDK's names (`DecryptionStatus.cs`). `UserOptedOut` is .NET
 * only and is reported just when asked for (`reportOptedOut`); Java and Python have no such status.
 */
export type SdkDecryptionStatus =
  | 'Success'
  | 'NotAuthorizedForMasterKey'
  | 'NotAuthorizedForKey'
  | 'NotInitialized'
  | 'InvalidPayload'
  | 'ExpiredToken'
  | 'KeysNotSynced'
  | 'VersionNotSupported'
  | 'InvalidIdentityScope'
  | 'UserOptedOut'
  | 'DomainOrAppNameCheckFailed'
  | 'InvalidTokenLifetime';

/** SDK sharing-encryption statuses (`EncryptionStatus`), .NET names; only those `encryptRawUidIntoToken` can return. */
export type SdkEncryptionStatus =
  | 'Success'
  | 'NotAuthorizedForMasterKey'
  | 'NotAuthorizedForKey'
  | 'NotInitialized'
  | 'KeysNotSynced'
  | 'EncryptionFailure';
