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
  readonly #kinds = new Map<string, TestIdentityKind>();

  constructor(firstLevelSalt: string) {
    for (const [kind, type, value] of IDENTITIES) {
      const id = hashIdentityInput(type, value);
      if (id) this.#kinds.set(`${type}:${firstLevelHash(id.hashB64, firstLevelSalt)}`, kind);
    }
  }

  kindOf(type: IdentityType, flhB64: string): TestIdentityKind | undefined {
    return this.#kinds.size === 0 ? undefined : this.#kinds.get(`${type}:${flhB64}`);
  }
}
