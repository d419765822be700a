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

/**
 * The special test identities, recognised by first-level hash and identity type, so that hashed
 * inputs behave like raw ones (the reference compares the same way).
 */
export class TestIdentities {
  // Keyed by first-level hash alone (no per-lookup key string on the identity-map hot path); the
  // type is checked after a hit.
  readonly #byFlh = new Map<string, { readonly type: IdentityType; readonly kind: TestIdentityKind }>();

  constructor(firstLevelSalt: string) {
    for (const [kind, type, value] of IDENTITIES) {
      const id = hashIdentityInput(type, value);
      if (id) this.#byFlh.set(firstLevelHash(id.hashB64, firstLevelSalt), { type, kind });
    }
  }

  kindOf(type: IdentityType, flhB64: string): TestIdentityKind | undefined {
    const hit = this.#byFlh.get(flhB64);
    return hit !== undefined && hit.type === type ? hit.kind : undefined;
  }
}
