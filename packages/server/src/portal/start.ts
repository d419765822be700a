import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { RuntimeSettings } from '../config/runtime.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { Store } from '../store/store.js';
import { ensurePortalCredentials } from './credentials.js';
import type { PortalGuard } from './guard/guard.js';
import { MemoryPortalGuard } from './guard/memory.js';
import { PostgresPortalGuard } from './guard/postgres.js';
import { createPortalServer, type PortalSettings } from './server.js';

export interface PortalStartOptions {
  readonly store: Store;
  readonly secrets: SecretBox;
  readonly settings: RuntimeSettings;
  readonly logger: FastifyBaseLogger;
  readonly registry: Registry;
  readonly databaseUrl: string | undefined;
  /** The operator to submit to; required unless this process runs one (then its own listener). */
  readonly operatorUrl: string | undefined;
  /** Explicit OPTOUT credentials (both or neither); otherwise the deployment's own portal key. */
  readonly apiKey: string | undefined;
  readonly apiSecret: string | undefined;
  readonly host: string;
  readonly port: number;
}

export class PortalConfigError extends Error {
  override readonly name = 'PortalConfigError';
}

/** `portal_trust_proxy`: '' or 'false' → false, 'true' → true, else comma-separated addresses/CIDRs. */
export function parseTrustProxy(text: string): boolean | string[] {
  const v = text.trim();
  if (v === '' || v.toLowerCase() === 'false') return false;
  if (v.toLowerCase() === 'true') return true;
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function portalSettingsOf(settings: RuntimeSettings): PortalSettings {
  return {
    scope: settings.identity_scope,
    powCounter: settings.portal_pow_counter,
    powCost: settings.portal_pow_cost,
    challengeTtlSeconds: settings.portal_challenge_ttl_seconds,
    stepTokenTtlSeconds: settings.portal_step_token_ttl_seconds,
    ipLimitPerHour: settings.portal_rate_limit_ip_per_hour,
    identityLimitPerDay: settings.portal_rate_limit_identity_per_day,
    challengeLimitPerHour: settings.portal_rate_limit_challenges_per_hour,
    operatorTimeoutMs: settings.portal_operator_timeout_ms,
    trustProxy: parseTrustProxy(settings.portal_trust_proxy),
  };
}

/** Starts the portal listener (the `portal` role). */
export async function startPortal(
  options: PortalStartOptions,
): Promise<{ app: FastifyInstance; url: string; credentialsCreated: boolean; backend: string }> {
  if (!options.operatorUrl) {
    throw new PortalConfigError(
      'the portal needs an operator: run the operator role in this process or give --operator-url',
    );
  }
  if ((options.apiKey === undefined) !== (options.apiSecret === undefined)) {
    throw new PortalConfigError('give both UID2_PORTAL_API_KEY and UID2_PORTAL_API_SECRET, or neither');
  }
  let credentialsCreated = false;
  let credentials: { apiKey: string; secret: string };
  if (options.apiKey !== undefined && options.apiSecret !== undefined) {
    credentials = { apiKey: options.apiKey, secret: options.apiSecret };
  } else {
    const ensured = await ensurePortalCredentials(options.store, options.secrets, options.settings);
    credentials = ensured.credentials;
    credentialsCreated = ensured.created;
  }
  const backendSetting = options.settings.portal_limits_backend;
  const backend =
    backendSetting === 'auto'
      ? options.store.engine === 'postgres'
        ? 'postgres'
        : 'memory'
      : backendSetting;
  let guard: PortalGuard;
  if (backend === 'postgres') {
    if (!options.databaseUrl) {
      throw new PortalConfigError('portal_limits_backend=postgres needs --database-url');
    }
    guard = await PostgresPortalGuard.open(options.databaseUrl);
  } else guard = new MemoryPortalGuard();
  try {
    const app = await createPortalServer({
      settings: portalSettingsOf(options.settings),
      operator: { url: options.operatorUrl, apiKey: credentials.apiKey, secret: credentials.secret },
      keys: {
        stepToken: options.secrets.deriveKey('portal step token v1'),
        challenge: options.secrets.deriveKey('portal challenge v1'),
        hashing: options.secrets.deriveKey('portal rate-limit hashing v1'),
      },
      guard,
      logger: options.logger,
      registry: options.registry,
    });
    app.addHook('onClose', async () => guard.close());
    const address = await app.listen({ host: options.host, port: options.port });
    return { app, url: address, credentialsCreated, backend };
  } catch (error) {
    await guard.close();
    throw error;
  }
}
