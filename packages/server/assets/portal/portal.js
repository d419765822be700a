// The portal's only script (served from /assets, like everything else: the CSP allows no inline
// code). Progressive enhancement: the form works without it except for the proof-of-work, which
// the ALTCHA widget computes in a Web Worker when the form is submitted.
import './altcha.js';
import './altcha-ja.js';

globalThis.$altcha.algorithms.set(
  'SHA-256',
  () => new Worker(new URL('./altcha-sha-worker.js', import.meta.url)),
);

const summary = document.getElementById('error-summary');
if (summary) summary.focus();

// Country picker: a search box that narrows the list of countries (the native <select> stays the
// control that is submitted, and remains usable by keyboard type-ahead on its own).
const filter = document.getElementById('country-filter');
const country = document.getElementById('country');
const hint = document.getElementById('phone-hint');
if (filter && country) {
  filter.hidden = false;
  const options = Array.from(country.options);
  const fold = (s) => s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  const keys = options.map((o) => fold(o.textContent || ''));
  filter.addEventListener('input', () => {
    const q = fold(filter.value.trim());
    let firstVisible;
    options.forEach((o, i) => {
      const match = q === '' || keys[i].includes(q) || o.value.toLowerCase() === q;
      o.hidden = !match;
      if (match && firstVisible === undefined) firstVisible = o;
    });
    if (country.selectedOptions[0]?.hidden && firstVisible) {
      firstVisible.selected = true;
      country.dispatchEvent(new Event('change'));
    }
  });
  country.addEventListener('change', () => {
    const example = country.selectedOptions[0]?.dataset.example || '';
    if (hint?.dataset.template) hint.textContent = hint.dataset.template.replace('{example}', example);
  });
}

// Confirm screen: one submission only (the server refuses a second use of the token anyway).
const confirm = document.getElementById('confirm-form');
if (confirm) {
  confirm.addEventListener('submit', () => {
    const button = confirm.querySelector('button[type="submit"]');
    if (button) {
      confirm.setAttribute('aria-busy', 'true');
      setTimeout(() => {
        button.disabled = true;
      }, 0);
    }
  });
}
