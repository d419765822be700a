import { TCString } from '@iabtcf/core';

/** Purposes that must be covered for the EUID vendor (reference TransparentConsent). */
export const REQUIRED_TCF_PURPOSES = [1, 2, 3, 4, 7, 10] as const;

/**
 * Checks a TCF v2 consent string for EUID (api.md §5.1 step 4): unparsable or empty → 'invalid';
 * purposes 1, 2, 3, 4, 7 and 10 not all covered for the vendor → 'insufficient'. A purpose is covered
 * by its consent bit when the vendor's consent bit is set, or by its legitimate-interest bit when the
 * vendor's legitimate-interest bit is set. Special features are not checked.
 */
export function checkTcfConsent(value: unknown, vendorId: number): 'ok' | 'invalid' | 'insufficient' {
  if (typeof value !== 'string' || value.trim() === '') return 'invalid';
  let tc: ReturnType<typeof TCString.decode>;
  try {
    tc = TCString.decode(value);
  } catch {
    return 'invalid';
  }
  const byConsent = tc.vendorConsents.has(vendorId);
  const byInterest = tc.vendorLegitimateInterests.has(vendorId);
  for (const p of REQUIRED_TCF_PURPOSES) {
    const covered =
      (byConsent && tc.purposeConsents.has(p)) || (byInterest && tc.purposeLegitimateInterests.has(p));
    if (!covered) return 'insufficient';
  }
  return 'ok';
}
