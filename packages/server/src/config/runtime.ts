import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Runtime settings of an operator. Keys are the reference operator's config names where one exists,
 * so a reference config file mostly carries over. Every key can also be set through the environment
 * as `UID2_<KEY IN UPPER CASE>` (e.g. `UID2_IDENTITY_TOKEN_EXPIRES_AFTER_SECONDS=3600`), which wins
 * over the file. Documented in docs/configuration.md.
 */
const seconds = z.number().int().positive();
export const runtimeSchema = z
  .object({
    identity_scope: z
      .preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(['UID2', 'EUID']))
      .default('UID2'),
    identity_token_expires_after_seconds: seconds.default(259_200),
    refresh_token_expires_after_seconds: seconds.default(2_592_000),
    refresh_identity_token_after_seconds: seconds.default(3_600),
    sharing_token_expiry_seconds: seconds.default(2_592_000),
    max_bidstream_lifetime_seconds: seconds.optional(),
    max_sharing_lifetime_seconds: seconds.optional(),
    allow_clock_skew_seconds: z.number().int().nonnegative().default(1_800),
    raw_uid_format: z.enum(['v2', 'v3', 'v4']).default('v2'),
    identity_environment: z.enum(['test', 'integ', 'prod']).default('prod'),
    salt_bucket_count: z.number().int().min(1).max(1_048_576).default(1_048_576),
    phone_support: z.boolean().default(true),
    client_side_token_generate: z.boolean().default(true),
    client_side_token_generate_domain_name_check_enabled: z.boolean().default(true),
    key_sharing_endpoint_provide_app_names: z.boolean().default(false),
    optout_status_max_request_size: z.number().int().positive().default(5_000),
    tcf_vendor_id: z.number().int().positive().default(21),
    rate_limit_api_key_per_second: z.number().nonnegative().default(0),
    rate_limit_api_key_burst: z.number().int().positive().default(200),
    rate_limit_subscription_per_second: z.number().nonnegative().default(0),
    rate_limit_subscription_burst: z.number().int().positive().default(100),
    max_snapshot_staleness_seconds: z.number().int().positive().default(43_200),
    lifecycle_jobs: z.boolean().default(true),
    key_rotation_period_seconds: seconds.default(604_800),
    key_activation_lead_seconds: z.number().int().nonnegative().default(86_400),
    key_retention_after_expiry_seconds: z.number().int().nonnegative().default(3_196_800),
    key_rotation_check_interval_seconds: seconds.default(300),
    salt_rotation_fraction: z
      .number()
      .gt(0)
      .max(1)
      .default(1 / 365),
    salt_rotation_check_interval_seconds: seconds.default(3_600),
    // DSP opt-out delivery (issue 5; docs/optout-webhooks.md).
    optout_delivery_timeout_ms: z.number().int().positive().default(30_000),
    optout_delivery_retry_initial_ms: z.number().int().positive().default(1_000),
    optout_delivery_retry_max_ms: z.number().int().positive().default(60_000),
    optout_delivery_max_attempts: z.number().int().min(1).default(20),
    optout_delivery_poll_ms: z.number().int().positive().default(200),
    // Transparency and Control Portal (issue 6; docs/configuration.md).
    portal_pow_counter: z.number().int().min(2).max(100_000_000).default(100_000),
    portal_pow_cost: z.number().int().positive().max(1_000_000).default(1),
    portal_challenge_ttl_seconds: seconds.default(600),
    portal_step_token_ttl_seconds: seconds.default(600),
    portal_rate_limit_ip_per_hour: z.number().int().positive().default(60),
    portal_rate_limit_identity_per_day: z.number().int().positive().default(10),
    portal_rate_limit_challenges_per_hour: z.number().int().positive().default(120),
    portal_operator_timeout_ms: z.number().int().positive().default(10_000),
    portal_trust_proxy: z.string().default(''),
    portal_limits_backend: z.enum(['auto', 'memory', 'postgres']).default('auto'),
    // Keyed client-IP hashes of logouts, kept for abuse analysis, then purged by the lifecycle jobs.
    optout_client_ip_retention_days: z.number().int().positive().default(30),
    optout_client_ip_purge_interval_seconds: seconds.default(3_600),
  })
  .strict();

export type RuntimeSettings = z.infer<typeof runtimeSchema>;

const KEYS = Object.keys(runtimeSchema.shape) as (keyof RuntimeSettings)[];

function fromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of KEYS) {
    const raw = env[`UID2_${key.toUpperCase()}`];
    if (raw === undefined || raw === '') continue;
    const inner = runtimeSchema.shape[key].unwrap?.() ?? runtimeSchema.shape[key];
    const kind = (inner as { def?: { type?: string } }).def?.type;
    out[key] = kind === 'number' ? Number(raw) : kind === 'boolean' ? /^(1|true|yes|on)$/i.test(raw) : raw;
  }
  return out;
}

/**
 * Builds the settings from defaults, an optional JSON config file, the environment and explicit
 * overrides (command-line flags), in increasing precedence. Throws with every problem listed.
 */
export function loadRuntimeSettings(
  options: { file?: string | undefined; env?: NodeJS.ProcessEnv; overrides?: Partial<RuntimeSettings> } = {},
): RuntimeSettings {
  let fileValues: Record<string, unknown> = {};
  if (options.file) {
    try {
      fileValues = JSON.parse(readFileSync(options.file, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`cannot read config file ${options.file}: ${(error as Error).message}`);
    }
  }
  const merged = { ...fileValues, ...fromEnv(options.env ?? process.env), ...(options.overrides ?? {}) };
  const parsed = runtimeSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new Error(`invalid runtime settings:\n  ${problems.join('\n  ')}`);
  }
  const s = parsed.data;
  if (
    !(
      s.refresh_token_expires_after_seconds >= s.identity_token_expires_after_seconds &&
      s.identity_token_expires_after_seconds >= s.refresh_identity_token_after_seconds
    )
  ) {
    throw new Error(
      'invalid runtime settings: refresh_token_expires_after_seconds ≥ identity_token_expires_after_seconds ≥ refresh_identity_token_after_seconds must hold',
    );
  }
  if (
    s.max_bidstream_lifetime_seconds !== undefined &&
    s.max_bidstream_lifetime_seconds < s.identity_token_expires_after_seconds
  ) {
    throw new Error(
      'invalid runtime settings: max_bidstream_lifetime_seconds must be ≥ identity_token_expires_after_seconds',
    );
  }
  if (s.key_activation_lead_seconds >= s.key_rotation_period_seconds) {
    throw new Error(
      'invalid runtime settings: key_activation_lead_seconds must be < key_rotation_period_seconds',
    );
  }
  return s;
}

/** Effective maximum lifetimes (defaults follow the reference RuntimeConfig). */
export function maxBidstreamLifetime(s: RuntimeSettings): number {
  return s.max_bidstream_lifetime_seconds ?? s.identity_token_expires_after_seconds;
}
export function maxSharingLifetime(s: RuntimeSettings): number {
  return s.max_sharing_lifetime_seconds ?? s.sharing_token_expiry_seconds;
}
