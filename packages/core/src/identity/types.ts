/** UID2 or EUID: which identity system a token, raw UID or key container belongs to. */
export type IdentityScope = 'UID2' | 'EUID';
/** The kind of directly identifying information (DII) behind an identity. */
export type IdentityType = 'email' | 'phone';
/** runtime_config.identity_environment, written into v4 raw UIDs. */
export type IdentityEnvironment = 'test' | 'integ' | 'prod';

export const SCOPE_BITS: Readonly<Record<IdentityScope, number>> = { UID2: 0, EUID: 1 };
export const TYPE_BITS: Readonly<Record<IdentityType, number>> = { email: 0, phone: 1 };
export const ENVIRONMENT_BITS: Readonly<Record<IdentityEnvironment, number>> = { test: 0, integ: 1, prod: 2 };

export function scopeFromBit(bit: number): IdentityScope {
  return bit === 1 ? 'EUID' : 'UID2';
}

export function typeFromBits(bits: number): IdentityType | undefined {
  return bits === 0 ? 'email' : bits === 1 ? 'phone' : undefined;
}

/**
 * The identity byte that starts v3/v4 advertising tokens and v3 refresh tokens:
 * (scope << 4) | (type << 2) | 3. The `| 3` makes the second base64 character the version digit.
 */
export function identityPrefixByte(scope: IdentityScope, type: IdentityType): number {
  return (SCOPE_BITS[scope] << 4) | (TYPE_BITS[type] << 2) | 3;
}

/**
 * Decodes scope and type from an identity byte, ignoring bits 0-1 and 5-7 like the SDKs do; any
 * non-zero type bits mean phone (Java and .NET SDK behaviour).
 */
export function decodeIdentityByte(b: number): { scope: IdentityScope; type: IdentityType } {
  return { scope: scopeFromBit((b >> 4) & 1), type: (b & 0x0c) !== 0 ? 'phone' : 'email' };
}
