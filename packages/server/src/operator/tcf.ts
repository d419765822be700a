import { TCModel, TCString } from '@iabtcf/core';

/** Purposes that must be covered for the EUID vendor (reference TransparentConsent). */
export const REQUIRED_TCF_PURPOSES = [1, 2, 3, 4, 7, 10] as const;

/**
 * A TCModel that takes the decoded `cmpId` and publisher country code as they are. @iabtcf/core's
 * setters reject CMP ids 0 and 1 and country letters past 'z', which the reference's Java decoder
 * (com.iabtcf.decoder) reads without judging; the reference's own test strings use CMP id 1.
 */
class DecodedTCModel extends TCModel {
  #cmpId: number | string = 0;
  #publisherCountryCode = 'AA';

  override set cmpId(value: number | string) {
    this.#cmpId = Number(value);
  }
  override get cmpId(): number | string {
    return this.#cmpId;
  }
  override set publisherCountryCode(value: string) {
    this.#publisherCountryCode = value;
  }
  override get publisherCountryCode(): string {
    return this.#publisherCountryCode;
  }
}

/**
 * Checks a TCF v2 consent string for EUID (api.md §5.1 step 4): unparsable or empty → 'invalid';
 * purposes 1, 2, 3, 4, 7 and 10 not all covered for the vendor → 'insufficient'. A purpose is covered
 * by its consent bit when the vendor's consent bit is set, or by its legitimate-interest bit when the
 * vendor's legitimate-interest bit is set. Special features are not checked.
 */
export function checkTcfConsent(value: unknown, vendorId: number): 'ok' | 'invalid' | 'insufficient' {
  if (typeof value !== 'string' || value.trim() === '') return 'invalid';
  let tc: TCModel;
  try {
    tc = TCString.decode(value, new DecodedTCModel());
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
