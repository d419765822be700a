// Test helpers for the portal over plain HTTP: fetch and solve an ALTCHA challenge as the widget
// does (altcha-lib's solver), post forms, read the step-2 token out of a confirm page.
import { Buffer } from 'node:buffer';
import { type Challenge, solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';

/** The widget's form field for a freshly fetched and solved challenge. */
export async function solvedChallenge(
  portalUrl: string,
  headers: Record<string, string> = {},
): Promise<string> {
  const res = await fetch(`${portalUrl}/altcha/challenge`, { headers });
  if (res.status !== 200) throw new Error(`challenge: HTTP ${res.status}`);
  const challenge = (await res.json()) as Challenge;
  const solution = await solveChallenge({ challenge, deriveKey });
  if (!solution) throw new Error('challenge not solved');
  return Buffer.from(
    JSON.stringify({
      challenge: { parameters: challenge.parameters, signature: challenge.signature },
      solution,
    }),
  ).toString('base64');
}

export interface FormAnswer {
  readonly status: number;
  readonly html: string;
  readonly headers: Headers;
}

export async function postForm(
  portalUrl: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<FormAnswer> {
  const res = await fetch(`${portalUrl}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, html: await res.text(), headers: res.headers };
}

export function stepToken(html: string): string {
  const m = /name="token" value="([^"]+)"/.exec(html);
  if (!m?.[1]) throw new Error('no step-2 token in the page');
  return m[1];
}

/** Screen 1 then the challenge: the confirm page's answer. */
export async function submitIdentity(
  portalUrl: string,
  identity: { email: string } | { country: string; phone: string },
  extra: Record<string, string> = {},
  headers: Record<string, string> = {},
): Promise<FormAnswer> {
  const altcha = await solvedChallenge(portalUrl, headers);
  const fields =
    'email' in identity
      ? { step: 'email_prompt', idType: 'email', email: identity.email, altcha, ...extra }
      : { step: 'email_prompt', idType: 'phone', ...identity, altcha, ...extra };
  return postForm(portalUrl, fields, headers);
}
