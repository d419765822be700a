const PHONE_RE = /^\+[0-9]{10,15}$/;

/**
 * True when `phone` is a normalized E.164 number as the reference operator requires
 * (`InputUtil.isPhoneNumberNormalized`): `+` followed by 10–15 ASCII digits, nothing else.
 * The operator never normalizes phone numbers; it only validates them.
 */
export function isNormalizedPhone(phone: string): boolean {
  return PHONE_RE.test(phone);
}
