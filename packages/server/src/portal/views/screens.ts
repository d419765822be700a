import { format } from '../i18n/index.js';
import { countryName, countryOptions, exampleNumber } from '../identity.js';
import { html, type SafeHtml } from './html.js';
import { layout, type PageContext } from './layout.js';

export interface StartForm {
  readonly idType: 'email' | 'phone';
  readonly email: string;
  readonly country: string;
  readonly phone: string;
}

/** A message for one field (linked from the error summary) or for the whole form. */
export interface FormError {
  readonly field?: 'email' | 'country' | 'phone' | undefined;
  readonly message: string;
}

function errorSummary(ctx: PageContext, errors: readonly FormError[]): SafeHtml | '' {
  if (errors.length === 0) return '';
  return html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" id="error-summary">
  <h2 id="error-summary-title">${ctx.t.errorSummaryHeading}</h2>
  <ul>${errors.map((e) => (e.field ? html`<li><a href="#${e.field}">${e.message}</a></li>` : html`<li>${e.message}</li>`))}</ul>
</div>`;
}

function fieldError(errors: readonly FormError[], field: FormError['field']): SafeHtml | '' {
  const e = errors.find((x) => x.field === field);
  return e ? html`<p class="field-error" id="${field}-error">${e.message}</p>` : '';
}

function describedBy(errors: readonly FormError[], field: FormError['field'], hint: string): string {
  return errors.some((x) => x.field === field) ? `${hint} ${field}-error` : hint;
}

/** Screen 1: choose email or phone and enter it. */
export function startScreen(ctx: PageContext, form: StartForm, errors: readonly FormError[] = []): string {
  const { t, locale } = ctx;
  const phone = form.idType === 'phone';
  const invalid = (field: FormError['field']) => (errors.some((e) => e.field === field) ? 'true' : 'false');
  const example = exampleNumber(form.country);
  const options = countryOptions(locale).map((c) =>
    c.code === form.country
      ? html`<option value="${c.code}" data-example="${exampleNumber(c.code)}" selected>${c.name} (+${c.callingCode})</option>`
      : html`<option value="${c.code}" data-example="${exampleNumber(c.code)}">${c.name} (+${c.callingCode})</option>`,
  );
  const main = html`<h1>${t.htmlTitle}</h1>
${t.intro.map((p) => html`<p>${p}</p>`)}
<form method="post" action="/" class="optout-form" id="optout-form" novalidate>
  <input type="hidden" name="step" value="email_prompt">
  <input type="hidden" name="lang" value="${locale}">
  ${errorSummary(ctx, errors)}
  <fieldset class="id-type">
    <legend>${t.chooseLegend}</legend>
    <div class="choice"><input type="radio" name="idType" id="idtype-email" value="email"${phone ? '' : ' checked'}><label for="idtype-email">${t.emailOption}</label></div>
    <div class="choice"><input type="radio" name="idType" id="idtype-phone" value="phone"${phone ? ' checked' : ''}><label for="idtype-phone">${t.phoneOption}</label></div>
  </fieldset>
  <div class="field email-fields">
    <label for="email">${t.emailLabel}</label>
    <p class="hint" id="email-hint">${t.emailHint}</p>
    ${fieldError(errors, 'email')}
    <input type="email" id="email" name="email" autocomplete="email" spellcheck="false" autocapitalize="off" maxlength="254" value="${form.email}" aria-describedby="${describedBy(errors, 'email', 'email-hint')}" aria-invalid="${invalid('email')}">
  </div>
  <div class="phone-fields">
    <div class="field">
      <label for="country">${t.countryLabel}</label>
      ${fieldError(errors, 'country')}
      <input type="search" id="country-filter" class="country-filter" hidden autocomplete="off" aria-label="${t.countryFilterLabel}" aria-controls="country" placeholder="${t.countryFilterLabel}">
      <select id="country" name="country" autocomplete="country" aria-invalid="${invalid('country')}">${options}</select>
    </div>
    <div class="field">
      <label for="phone">${t.phoneLabel}</label>
      <p class="hint" id="phone-hint" data-template="${t.phoneHint}">${format(t.phoneHint, { example })}</p>
      ${fieldError(errors, 'phone')}
      <input type="tel" id="phone" name="phone" autocomplete="tel-national" inputmode="tel" maxlength="40" value="${form.phone}" aria-describedby="${describedBy(errors, 'phone', 'phone-hint')}" aria-invalid="${invalid('phone')}">
    </div>
  </div>
  <p class="note" id="challenge-note">${t.challengeNote}</p>
  <altcha-widget challenge="/altcha/challenge" auto="onsubmit" name="altcha" language="${locale}" hidelogo hidefooter></altcha-widget>
  <noscript><p class="noscript" role="alert">${t.noScript}</p></noscript>
  <button type="submit" class="primary">${t.continueButton}</button>
</form>`;
  return layout(ctx, t.htmlTitle, main, { scripts: true });
}

export interface ConfirmView {
  readonly identity: {
    readonly type: 'email' | 'phone';
    readonly display: string;
    readonly country?: string;
  };
  readonly token: string;
  readonly error?: string | undefined;
}

/** Screen 2: the identity exactly as entered, what opting out means, one button. */
export function confirmScreen(ctx: PageContext, view: ConfirmView): string {
  const { t, locale } = ctx;
  const label = view.identity.type === 'email' ? t.confirmEmailLabel : t.confirmPhoneLabel;
  const country =
    view.identity.type === 'phone' && view.identity.country
      ? html` <span class="identity-country">(${countryName(view.identity.country, locale)})</span>`
      : '';
  const main = html`<h1>${t.confirmHeading}</h1>
${view.error ? errorSummary(ctx, [{ message: view.error }]) : ''}
<p>${label}</p>
<p class="identity" translate="no"><bdi>${view.identity.display}</bdi>${country}</p>
${t.confirmExplain.map((p) => html`<p>${p}</p>`)}
<p>${t.confirmOtherChoices} <a href="${ctx.choicesUrl}" rel="noopener noreferrer">${t.confirmOtherChoicesLink}</a>.</p>
<form method="post" action="/" class="confirm-form" id="confirm-form">
  <input type="hidden" name="step" value="optout_submit">
  <input type="hidden" name="lang" value="${locale}">
  <input type="hidden" name="token" value="${view.token}">
  <button type="submit" class="primary">${t.confirmButton}</button>
</form>
<p><a href="/?lang=${locale}">${t.confirmStartOver}</a></p>`;
  return layout(ctx, t.confirmHeading, main, { scripts: true });
}

/** Screen 3: the same message whether or not a UID2 ever existed for the identity. */
export function doneScreen(ctx: PageContext): string {
  const { t, locale } = ctx;
  const main = html`<h1>${t.doneHeading}</h1>
<p role="status">${t.doneText}</p>
<p>${t.doneTip}</p>
<p><a class="button-link" href="/?lang=${locale}">${t.doneAgain}</a></p>`;
  return layout(ctx, t.doneHeading, main);
}

export function privacyScreen(ctx: PageContext): string {
  const { t, locale } = ctx;
  const main = html`<h1>${t.privacyHeading}</h1>
${t.privacyBody.map((p) => html`<p>${p}</p>`)}
<p><a href="/?lang=${locale}">${t.backHome}</a></p>`;
  return layout(ctx, t.privacyHeading, main);
}

/** A page with just a message: not found, bad request, rate limited, used token. */
export function messageScreen(ctx: PageContext, heading: string, message: string): string {
  const { locale } = ctx;
  const main = html`<h1>${heading}</h1>
<p role="alert">${message}</p>
<p><a href="/?lang=${locale}">${ctx.t.backHome}</a></p>`;
  return layout(ctx, heading, main);
}
