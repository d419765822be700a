import { en } from './en.js';
import { ja } from './ja.js';
import type { Messages } from './messages.js';

import { format } from './messages.js';

export { format, type Messages } from './messages.js';

export type Locale = 'en' | 'ja';
export const LOCALES: readonly Locale[] = ['en', 'ja'];
export const LOCALE_NAMES: Readonly<Record<Locale, string>> = { en: 'English', ja: '日本語' };
const CATALOG: Readonly<Record<Locale, Messages>> = { en, ja };

/** The names and the other-choices link of a deployment's identity scope. */
export interface Brand {
  readonly brand: string;
  readonly brandLong: string;
  readonly choicesName: string;
  readonly choicesUrl: string;
}

export const BRANDS: Readonly<Record<'UID2' | 'EUID', Brand>> = {
  UID2: {
    brand: 'UID2',
    brandLong: 'Unified ID 2.0',
    choicesName: 'Digital Advertising Alliance',
    choicesUrl: 'https://optout.aboutads.info/',
  },
  EUID: {
    brand: 'EUID',
    brandLong: 'European Unified ID',
    choicesName: 'Your Online Choices',
    choicesUrl: 'https://www.youronlinechoices.eu/',
  },
};

function brandMessages(messages: Messages, brand: Brand): Messages {
  const values = { brand: brand.brand, brandLong: brand.brandLong, choicesName: brand.choicesName };
  const out: Record<string, string | readonly string[]> = {};
  for (const [key, value] of Object.entries(messages) as Array<[string, string | readonly string[]]>) {
    // `{example}`, `{country}`, `{minutes}` stay for the request; only the brand is filled in here.
    out[key] = typeof value === 'string' ? format(value, values) : value.map((v) => format(v, values));
  }
  return out as unknown as Messages;
}

const branded = new Map<string, Messages>();

/** The messages of a language for a deployment's brand (UID2 or EUID). */
export function messagesFor(locale: Locale, brand: Brand = BRANDS.UID2): Messages {
  const key = `${locale}|${brand.brand}`;
  let messages = branded.get(key);
  if (!messages) {
    messages = brandMessages(CATALOG[locale], brand);
    branded.set(key, messages);
  }
  return messages;
}

export function isLocale(value: unknown): value is Locale {
  return value === 'en' || value === 'ja';
}

/**
 * The request's language: an explicit choice (`?lang=` or the form's `lang` field) if supported,
 * else the best supported entry of `Accept-Language` by quality, else English. Per request — never
 * process-wide state, so concurrent requests cannot render in each other's language.
 */
export function negotiateLocale(explicit: unknown, acceptLanguage: string | undefined): Locale {
  if (isLocale(explicit)) return explicit;
  if (!acceptLanguage) return 'en';
  let best: { locale: Locale; q: number } | undefined;
  for (const part of acceptLanguage.slice(0, 1000).split(',')) {
    const [tag, ...params] = part.trim().split(';');
    const base = tag?.trim().toLowerCase().split('-')[0];
    let q = 1;
    for (const p of params) {
      const m = /^\s*q=([0-9.]+)\s*$/.exec(p);
      if (m) q = Number(m[1]);
    }
    if (!Number.isFinite(q) || q <= 0) continue;
    if (isLocale(base) && (best === undefined || q > best.q)) best = { locale: base, q };
  }
  return best?.locale ?? 'en';
}
