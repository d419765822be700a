import type { Buffer } from 'node:buffer';
import { createHmac } from 'node:crypto';
import { OptOutClient, Uid2Error } from '@uid2-ts/client';
import { normalizeEmail } from '@uid2-ts/core';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { Counter, type Registry } from 'prom-client';
import { loadAssets } from './assets.js';
import { PortalChallenges } from './challenge.js';
import type { PortalGuard } from './guard/guard.js';
import { BRANDS, format, type Locale, messagesFor, negotiateLocale } from './i18n/index.js';
import {
  countryName,
  defaultCountry,
  exampleNumber,
  type IdentityProblem,
  type PortalIdentity,
  validateEmail,
  validatePhone,
} from './identity.js';
import { StepTokenSealer } from './step-token.js';
import type { PageContext } from './views/layout.js';
import {
  confirmScreen,
  doneScreen,
  type FormError,
  messageScreen,
  privacyScreen,
  type StartForm,
  startScreen,
} from './views/screens.js';

/** Tunables of the portal (runtime settings `portal_*`, docs/configuration.md). */
export interface PortalSettings {
  /** The deployment's identity scope: the portal's wording and other-choices link follow it. */
  readonly scope: 'UID2' | 'EUID';
  readonly powCounter: number;
  readonly powCost: number;
  readonly challengeTtlSeconds: number;
  readonly stepTokenTtlSeconds: number;
  readonly ipLimitPerHour: number;
  readonly identityLimitPerDay: number;
  readonly challengeLimitPerHour: number;
  readonly operatorTimeoutMs: number;
  /**
   * Whose `X-Forwarded-For` to believe for the client IP: false (nobody: the TCP peer is the
   * client), true (everybody: only behind a proxy that overwrites the header) or addresses/CIDRs.
   */
  readonly trustProxy: boolean | readonly string[];
}

export interface PortalServerOptions {
  readonly settings: PortalSettings;
  /** Where opt-outs go: any UID2 operator, with an OPTOUT-role key. */
  readonly operator: { readonly url: string; readonly apiKey: string; readonly secret: string };
  /** Purpose-specific keys derived from the deployment's master key (shared by every portal process). */
  readonly keys: { readonly stepToken: Buffer; readonly challenge: Buffer; readonly hashing: Buffer };
  readonly guard: PortalGuard;
  readonly logger: FastifyBaseLogger;
  readonly registry?: Registry | undefined;
  readonly now?: () => number;
}

const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
const MAX_FORM_BYTES = 16 * 1024;
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

type Outcome =
  | 'shown'
  | 'invalid_input'
  | 'challenge_failed'
  | 'rate_limited'
  | 'confirm'
  | 'token_invalid'
  | 'operator_error'
  | 'opted_out'
  | 'bad_request';

/**
 * The Transparency and Control Portal: screen 1 (email or phone, with a proof-of-work challenge),
 * screen 2 (confirm, carried by a sealed single-use token) and screen 3 (done). Opt-outs go to
 * `POST /v2/token/logout` of an operator with an OPTOUT key, exactly as the reference portal sends
 * them. No cookies, no inline script or style, nothing third-party; no email, phone or IP in any log.
 */
export async function createPortalServer(options: PortalServerOptions): Promise<FastifyInstance> {
  const { settings, guard } = options;
  const now = options.now ?? Date.now;
  const assets = loadAssets();
  const brand = BRANDS[settings.scope];
  const challenges = new PortalChallenges(options.keys.challenge, {
    counter: settings.powCounter,
    cost: settings.powCost,
    ttlSeconds: settings.challengeTtlSeconds,
  });
  const sealer = new StepTokenSealer(options.keys.stepToken);
  const operator = new OptOutClient({
    baseUrl: options.operator.url,
    apiKey: options.operator.apiKey,
    secretKey: options.operator.secret,
    timeoutMs: settings.operatorTimeoutMs,
    retry: { maxRetries: 1, baseDelayMs: 200, maxDelayMs: 1000 },
  });
  const requests = new Counter({
    name: 'uid2_portal_requests_total',
    help: 'Portal form submissions and challenges, by step and outcome',
    labelNames: ['step', 'outcome'],
    registers: options.registry ? [options.registry] : [],
  });
  const keyedHash = (kind: string, value: string) =>
    `${kind}:${createHmac('sha256', options.keys.hashing).update(`${kind}\u0000${value}`).digest('base64url')}`;

  const app = Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_FORM_BYTES,
    trustProxy: typeof settings.trustProxy === 'boolean' ? settings.trustProxy : [...settings.trustProxy],
    forceCloseConnections: true,
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(FORM_CONTENT_TYPE, { parseAs: 'string' }, (_req, body, done) => {
    const params = new URLSearchParams(body as string);
    const out: Record<string, string> = {};
    for (const [k, v] of params) if (!(k in out)) out[k] = v;
    done(null, out);
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-resource-policy', 'same-origin');
    reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), interest-cohort=()');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  const pageContext = (request: FastifyRequest, path: string, explicit?: unknown): PageContext => {
    const query = request.query as Record<string, unknown> | undefined;
    const locale = negotiateLocale(explicit ?? query?.['lang'], request.headers['accept-language']);
    return {
      locale,
      t: messagesFor(locale, brand),
      path,
      assetVersion: assets.version,
      choicesUrl: brand.choicesUrl,
    };
  };
  const sendPage = (reply: FastifyReply, status: number, page: string) =>
    reply.code(status).type('text/html; charset=utf-8').send(page);
  const audit = (request: FastifyRequest, step: string, outcome: Outcome, locale: Locale) => {
    requests.inc({ step, outcome });
    request.log.info({ portal: { step, outcome, locale }, reqId: request.id }, 'portal request');
  };

  app.get('/ops/healthcheck', async (_request, reply) => reply.type('text/plain').send('OK'));

  app.get('/', async (request, reply) => {
    const ctx = pageContext(request, '/');
    const form: StartForm = { idType: 'email', email: '', country: defaultCountry(ctx.locale), phone: '' };
    return sendPage(reply, 200, startScreen(ctx, form));
  });

  app.get('/privacy', async (request, reply) =>
    sendPage(reply, 200, privacyScreen(pageContext(request, '/privacy'))),
  );

  app.get('/altcha/challenge', async (request, reply) => {
    const nowS = Math.floor(now() / 1000);
    if (
      (await guard.hit(keyedHash('challenge-ip', request.ip), 3600, nowS)) > settings.challengeLimitPerHour
    ) {
      requests.inc({ step: 'challenge', outcome: 'rate_limited' });
      return reply
        .code(429)
        .header('retry-after', String(3600 - (nowS % 3600)))
        .send({ error: 'rate_limited' });
    }
    requests.inc({ step: 'challenge', outcome: 'shown' });
    return reply.header('cache-control', 'no-store').send(await challenges.create(now()));
  });

  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const file = assets.files.get(request.params.name);
    if (!file) return sendPage(reply, 404, notFound(request));
    reply.header('cache-control', 'no-cache').header('etag', file.etag);
    if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
    return reply.type(file.contentType).send(file.body);
  });

  const notFound = (request: FastifyRequest) => {
    const ctx = pageContext(request, '/');
    return messageScreen(ctx, ctx.t.notFoundHeading, ctx.t.notFoundText);
  };
  app.setNotFoundHandler(async (request, reply) => sendPage(reply, 404, notFound(request)));
  app.setErrorHandler(async (error: { statusCode?: number }, request, reply) => {
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'portal: unexpected error');
    const ctx = pageContext(request, '/');
    const message = status === 500 ? ctx.t.errOperator : ctx.t.errBadRequest;
    return sendPage(reply, status, messageScreen(ctx, ctx.t.errorHeading, message));
  });

  const problemMessage = (ctx: PageContext, problem: IdentityProblem, country: string): FormError => {
    const t = ctx.t;
    switch (problem) {
      case 'email_required':
        return { field: 'email', message: t.errEmailRequired };
      case 'email_invalid':
        return { field: 'email', message: t.errEmailInvalid };
      case 'country_required':
        return { field: 'country', message: t.errCountryRequired };
      case 'phone_required':
        return { field: 'phone', message: t.errPhoneRequired };
      case 'phone_invalid':
        return {
          field: 'phone',
          message: format(t.errPhoneInvalid, {
            country: countryName(country, ctx.locale),
            example: exampleNumber(country),
          }),
        };
    }
  };

  const rateLimited = (reply: FastifyReply, ctx: PageContext, retryAfterSeconds: number) =>
    sendPage(
      reply.header('retry-after', String(retryAfterSeconds)),
      429,
      messageScreen(
        ctx,
        ctx.t.errorHeading,
        format(ctx.t.errRateLimited, { minutes: Math.max(1, Math.ceil(retryAfterSeconds / 60)) }),
      ),
    );

  app.post('/', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string | undefined>;
    const ctx = pageContext(request, '/', body['lang']);
    const nowMs = now();
    const nowS = Math.floor(nowMs / 1000);
    const step = body['step'];
    if (step !== 'email_prompt' && step !== 'optout_submit') {
      audit(request, 'unknown', 'bad_request', ctx.locale);
      return sendPage(reply, 400, messageScreen(ctx, ctx.t.errorHeading, ctx.t.errBadRequest));
    }
    if ((await guard.hit(keyedHash('ip', request.ip), 3600, nowS)) > settings.ipLimitPerHour) {
      audit(request, step, 'rate_limited', ctx.locale);
      return rateLimited(reply, ctx, 3600 - (nowS % 3600));
    }
    if (step === 'email_prompt') return emailPrompt(request, reply, ctx, body, nowMs);
    return optoutSubmit(request, reply, ctx, body, nowMs);
  });

  async function emailPrompt(
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: PageContext,
    body: Record<string, string | undefined>,
    nowMs: number,
  ): Promise<FastifyReply> {
    const nowS = Math.floor(nowMs / 1000);
    const idType = body['idType'] === 'phone' ? 'phone' : 'email';
    const form: StartForm = {
      idType,
      email: (body['email'] ?? '').slice(0, 254),
      country: (body['country'] ?? '').slice(0, 2) || defaultCountry(ctx.locale),
      phone: (body['phone'] ?? '').slice(0, 40),
    };
    let identity: PortalIdentity;
    let rateKey: string;
    if (idType === 'email') {
      const checked = validateEmail(form.email);
      if (!checked.ok) {
        audit(request, 'email_prompt', 'invalid_input', ctx.locale);
        return sendPage(
          reply,
          400,
          startScreen(ctx, form, [problemMessage(ctx, checked.problem, form.country)]),
        );
      }
      identity = { type: 'email', value: checked.value };
      rateKey = `email:${normalizeEmail(checked.value) ?? checked.value}`;
    } else {
      const checked = validatePhone(form.country, form.phone);
      if (!checked.ok) {
        audit(request, 'email_prompt', 'invalid_input', ctx.locale);
        return sendPage(
          reply,
          400,
          startScreen(ctx, form, [problemMessage(ctx, checked.problem, form.country)]),
        );
      }
      identity = { type: 'phone', value: checked.value, country: form.country, display: checked.display };
      rateKey = `phone:${checked.value}`;
    }
    const challenge = await challenges.verify(body['altcha'], nowMs);
    const fresh =
      challenge.ok &&
      (await guard.consumeOnce(keyedHash('challenge', challenge.challengeId), challenge.expiresAt, nowS));
    if (!challenge.ok || !fresh) {
      audit(request, 'email_prompt', 'challenge_failed', ctx.locale);
      request.log.info({ reason: challenge.ok ? 'reused' : challenge.reason }, 'portal: challenge refused');
      return sendPage(reply, 403, startScreen(ctx, form, [{ message: ctx.t.errChallenge }]));
    }
    if ((await guard.hit(keyedHash('identity', rateKey), 86_400, nowS)) > settings.identityLimitPerDay) {
      audit(request, 'email_prompt', 'rate_limited', ctx.locale);
      return rateLimited(reply, ctx, 86_400 - (nowS % 86_400));
    }
    const sealed = sealer.seal({
      identity,
      challengeId: challenge.challengeId,
      expiresAt: nowS + settings.stepTokenTtlSeconds,
    });
    audit(request, 'email_prompt', 'confirm', ctx.locale);
    return sendPage(reply, 200, confirmScreen(ctx, { identity: displayOf(identity), token: sealed.token }));
  }

  async function optoutSubmit(
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: PageContext,
    body: Record<string, string | undefined>,
    nowMs: number,
  ): Promise<FastifyReply> {
    const nowS = Math.floor(nowMs / 1000);
    const claims = sealer.open(body['token'] ?? '');
    const usable =
      claims !== undefined &&
      claims.expiresAt > nowS &&
      (await guard.consumeOnce(keyedHash('token', claims.tokenId), claims.expiresAt, nowS));
    if (!claims || !usable) {
      audit(request, 'optout_submit', 'token_invalid', ctx.locale);
      return sendPage(reply, 400, messageScreen(ctx, ctx.t.errorHeading, ctx.t.errTokenInvalid));
    }
    const { identity } = claims;
    try {
      await operator.optOut(
        identity.type === 'email' ? { email: identity.value } : { phone: identity.value },
        {
          clientIp: request.ip,
        },
      );
    } catch (error) {
      // Never a false "done": the consumer gets the confirm screen again, with a fresh token.
      const detail =
        error instanceof Uid2Error
          ? { code: error.code, status: error.status, httpStatus: error.httpStatus }
          : {};
      request.log.error(detail, 'portal: operator opt-out failed');
      audit(request, 'optout_submit', 'operator_error', ctx.locale);
      const again = sealer.seal({
        identity,
        challengeId: claims.challengeId,
        expiresAt: nowS + settings.stepTokenTtlSeconds,
      });
      return sendPage(
        reply,
        503,
        confirmScreen(ctx, { identity: displayOf(identity), token: again.token, error: ctx.t.errOperator }),
      );
    }
    audit(request, 'optout_submit', 'opted_out', ctx.locale);
    return sendPage(reply, 200, doneScreen(ctx));
  }

  return app;
}

function displayOf(identity: PortalIdentity): { type: 'email' | 'phone'; display: string; country?: string } {
  return identity.type === 'email'
    ? { type: 'email', display: identity.value }
    : { type: 'phone', display: identity.display, country: identity.country };
}
