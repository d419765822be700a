import { LOCALE_NAMES, LOCALES, type Locale, type Messages } from '../i18n/index.js';
import { html, type SafeHtml } from './html.js';

export interface PageContext {
  readonly locale: Locale;
  readonly t: Messages;
  /** Path of this page, for the language switcher (its links keep the consumer on the same page). */
  readonly path: string;
  /** Asset URLs carry the build's version so that caches never serve stale code. */
  readonly assetVersion: string;
  /** Where consumers make their other (cookie-based) advertising choices. */
  readonly choicesUrl: string;
}

/** The page frame: language switcher, one `<main>`, footer. No inline script or style anywhere. */
export function layout(
  ctx: PageContext,
  title: string,
  main: SafeHtml,
  options: { scripts?: boolean } = {},
): string {
  const { t, locale } = ctx;
  const asset = (name: string) => `/assets/${name}?v=${ctx.assetVersion}`;
  const switcher = LOCALES.map((l) =>
    l === locale
      ? html`<li><a href="${ctx.path}?lang=${l}" lang="${l}" hreflang="${l}" aria-current="true">${LOCALE_NAMES[l]}</a></li>`
      : html`<li><a href="${ctx.path}?lang=${l}" lang="${l}" hreflang="${l}">${LOCALE_NAMES[l]}</a></li>`,
  );
  return `<!doctype html>\n${html`<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${title} — ${t.htmlTitle}</title>
<link rel="stylesheet" href="${asset('portal.css')}">
${
  options.scripts
    ? html`<link rel="stylesheet" href="${asset('altcha.css')}">
<script type="module" src="${asset('portal.js')}"></script>`
    : ''
}
</head>
<body>
<a class="skip" href="#main">${t.skipToContent}</a>
<header class="site-header">
  <p class="site-name"><a href="/?lang=${locale}">${t.siteName}</a></p>
  <nav aria-label="${t.languageLabel}"><ul class="languages">${switcher}</ul></nav>
</header>
<main id="main" tabindex="-1">
${main}
</main>
<footer class="site-footer">
  <a href="/privacy?lang=${locale}">${t.privacyLink}</a>
</footer>
</body>
</html>`}\n`;
}
