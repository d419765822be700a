import { firstLevelHash, hashIdentityInput, type IdentityType } from '@uid2-ts/core';

/** How a reference test identity behaves (uid2-operator IdentityConst, UIDOperatorService). */
export type TestIdentityKind = 'validate' | 'optout' | 'refresh-optout';

const IDENTITIES: ReadonlyArray<[TestIdentityKind, 'email' | 'phone', string]> = [
  ['validate', 'email', 'validate@example.com'],
  ['validate', 'phone', '+12345678901'],
  ['optout', 'email', 'optout@example.com'],
  ['optout', 'phone', '+00000000000'],
  ['refresh-optout', 'email', 'refresh-optout@example.com'],
  ['refresh-optout', 'phone', '+00000000002'],
];

/** Index of a base64 text's first two characters (both ASCII): 7 bits each. */
const prefix = (text: string): number => ((text.charCodeAt(0) & 0x7f) << 7) | (text.charCodeAt(1) & 0x7f);

/**
 * The special test identities, recognised by first-level hash and identity type, so that hashed
 * inputs behave like raw ones (the reference compares the same way).
 */
export class TestIdentities {
  // Keyed by first-level hash alone (no per-lookup key string on the identity-map hot path); the
  // type is checked after a hit.
  readonly #byFlh = new Map<string, { readonly type: IdentityType; readonly kind: TestIdentityKind }>();
  /**
   * The first two characters (as one 16-bit code pair index) of each test identity's first-level
   * hash: nearly every lookup is decided by this one array read, without hashing the string.
   */
  readonly #prefixes = new Uint8Array(1 << 14);

  constructor(firstLevelSalt: string) {
    for (const [kind, type, value] of IDENTITIES) {
      const id = hashIdentityInput(type, value);
      if (!id) continue;
      const flh = firstLevelHash(id.hashB64, firstLevelSalt);
      this.#byFlh.set(flh, { type, kind });
      this.#prefixes[prefix(flh)] = 1;
    }
  }

  kindOf(type: IdentityType, flhB64: string): TestIdentityKind | undefined {
    if (flhB64.length < 2 || this.#prefixes[prefix(flhB64)] === 0) return undefined;
    const hit = this.#byFlh.get(flhB64);
    return hit !== undefined && hit.type === type ? hit.kind : undefined;
  }
}
