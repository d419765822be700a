import { en } from './en.js';
import { ja } from './ja.js';
import type { Messages } from './messages.js';

export { format, type Messages } from './messages.js';

export type Locale = 'en' | 'ja';
export const LOCALES: readonly Locale[] = ['en', 'ja'];
export const LOCALE_NAMES: Readonly<Record<Locale, string>> = { en: 'English', ja: '日本語' };
const CATALOG: Readonly<Record<Locale, Messages>> = { en, ja };

export function messagesFor(locale: Locale): Messages {
  return CATALOG[locale];
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
