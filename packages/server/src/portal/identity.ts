import { isNormalizedPhone, normalizeEmail } from '@uid2-ts/core';
import examples from 'libphonenumber-js/examples.mobile.json';
import {
  type CountryCode,
  getCountries,
  getCountryCallingCode,
  getExampleNumber,
  parsePhoneNumberFromString,
} from 'libphonenumber-js/max';
import type { Locale } from './i18n/index.js';

/** What the consumer opts out, as validated on screen 1. */
export type PortalIdentity =
  | { readonly type: 'email'; readonly value: string }
  | { readonly type: 'phone'; readonly value: string; readonly country: string; readonly display: string };

export type IdentityProblem =
  | 'email_required'
  | 'email_invalid'
  | 'country_required'
  | 'phone_required'
  | 'phone_invalid';

const MAX_EMAIL_LENGTH = 254;
// Anchored and case-insensitive: local part of RFC 5322 atom characters and dots, a domain of
// LDH labels with at least one dot. Stricter than RFC 5322 in rejecting quoted local parts and
// address literals, which no real consumer enters and which the operator would reject anyway.
const EMAIL =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/** Validates an email address as typed (surrounding spaces ignored); the value is kept as typed. */
export function validateEmail(
  input: string,
): { ok: true; value: string } | { ok: false; problem: IdentityProblem } {
  const value = input.trim();
  if (value === '') return { ok: false, problem: 'email_required' };
  const local = value.slice(0, value.lastIndexOf('@'));
  if (value.length > MAX_EMAIL_LENGTH || local.length > 64 || !EMAIL.test(value)) {
    return { ok: false, problem: 'email_invalid' };
  }
  // The operator must accept it too (its normalization is the reference's).
  if (normalizeEmail(value) === undefined) return { ok: false, problem: 'email_invalid' };
  return { ok: true, value };
}

const COUNTRIES = new Set<string>(getCountries());

export function isCountry(value: string): value is CountryCode {
  return COUNTRIES.has(value);
}

/**
 * Validates a national number for a country with libphonenumber-js (full metadata) and formats it
 * to E.164; a number typed in international form (`+…`) is accepted when it is valid as such.
 */
export function validatePhone(
  country: string,
  national: string,
): { ok: true; value: string; display: string } | { ok: false; problem: IdentityProblem } {
  if (!isCountry(country)) return { ok: false, problem: 'country_required' };
  const typed = national.trim();
  if (typed === '') return { ok: false, problem: 'phone_required' };
  if (typed.length > 40) return { ok: false, problem: 'phone_invalid' };
  const parsed = parsePhoneNumberFromString(typed, country);
  if (parsed === undefined || !parsed.isValid()) return { ok: false, problem: 'phone_invalid' };
  const e164 = parsed.number;
  if (!isNormalizedPhone(e164)) return { ok: false, problem: 'phone_invalid' };
  return { ok: true, value: e164, display: parsed.formatInternational() };
}

/** A national example number for the hint and error messages. */
export function exampleNumber(country: string): string {
  if (!isCountry(country)) return '';
  return getExampleNumber(country, examples)?.formatNational() ?? '';
}

export interface CountryOption {
  readonly code: string;
  readonly name: string;
  readonly callingCode: string;
}

const countryLists = new Map<Locale, readonly CountryOption[]>();

/** Every country libphonenumber knows, named in the consumer's language and sorted by that name. */
export function countryOptions(locale: Locale): readonly CountryOption[] {
  let list = countryLists.get(locale);
  if (!list) {
    const names = new Intl.DisplayNames([locale], { type: 'region', fallback: 'code' });
    const collator = new Intl.Collator(locale);
    list = getCountries()
      .map((code) => ({ code, name: names.of(code) ?? code, callingCode: getCountryCallingCode(code) }))
      .sort((a, b) => collator.compare(a.name, b.name));
    countryLists.set(locale, list);
  }
  return list;
}

export function countryName(country: string, locale: Locale): string {
  return countryOptions(locale).find((c) => c.code === country)?.name ?? country;
}

/** The country preselected for a language (the consumer can pick any). */
export function defaultCountry(locale: Locale): string {
  return locale === 'ja' ? 'JP' : 'US';
}
