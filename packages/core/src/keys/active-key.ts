/** The time fields active-key selection reads (epoch seconds). */
export interface KeyWindow {
  readonly activates: number;
  readonly expires: number;
}

/**
 * Which "not expired" test applies: the operator's `KeysetKeyStoreSnapshot.getActiveKey` only
 * requires `expires > now`; the SDKs' `KeyContainer` requires `activates ≤ now < expires`. Both
 * first restrict to keys with `activates ≤ now`, so the two rules pick the same key.
 */
export type ActiveKeyRule = 'operator' | 'sdk';

/** Stable sort by `activates` (ties keep input order, like Java's `List.sort`). Returns a new array. */
export function sortKeysByActivates<K extends KeyWindow>(keys: readonly K[]): K[] {
  return keys.slice().sort((a, b) => a.activates - b.activates);
}

/**
 * Active key of a list already sorted by `activates` (see {@link sortKeysByActivates}): binary
 * search for the last key with `activates ≤ now`, then walk back to the first one not expired.
 * `nowMs` is epoch milliseconds; key times are seconds.
 */
export function activeKeyInSorted<K extends KeyWindow>(
  sorted: readonly K[],
  nowMs: number,
  rule: ActiveKeyRule = 'sdk',
): K | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as K).activates * 1000 <= nowMs) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo - 1; i >= 0; i--) {
    const key = sorted[i] as K;
    if (nowMs < key.expires * 1000 && (rule === 'operator' || key.activates * 1000 <= nowMs)) return key;
  }
  return undefined;
}

/**
 * Active key of a keyset (§5.2): among keys with `activates ≤ now`, the latest-activating one that
 * is not expired (`expires > now`), walking back from the newest. Same result for both rules; the
 * rule is kept to mirror the operator (`operator`) and SDK (`sdk`) code paths. `nowMs` is epoch ms.
 * Decryption never uses this: it looks keys up by id.
 */
export function selectActiveKey<K extends KeyWindow>(
  keys: readonly K[],
  nowMs: number,
  rule: ActiveKeyRule = 'sdk',
): K | undefined {
  return activeKeyInSorted(sortKeysByActivates(keys), nowMs, rule);
}
