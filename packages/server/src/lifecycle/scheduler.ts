import type { FastifyBaseLogger } from 'fastify';
import type { RuntimeSettings } from '../config/runtime.js';
import { DAY_MS, truncDay } from '../salts/schedule.js';
import type { Store } from '../store/store.js';
import { rotateKeys } from './key-rotation.js';
import { rotateSalts } from './salt-rotation.js';

/** The advisory-lock name every process competes for; only the holder runs the jobs. */
export const LIFECYCLE_LEADERSHIP = 'uid2-lifecycle';
/** Meta key: the last target day (epoch ms) salts were rotated for. */
export const SALT_ROTATION_META = 'salt_rotation_target_day';

export interface SchedulerOptions {
  readonly store: Store;
  readonly settings: RuntimeSettings;
  readonly logger: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
  readonly now?: () => number;
  /** Called after a job changed the store (e.g. to refresh this process's snapshot at once). */
  readonly onChange?: () => void;
}

/**
 * Runs the lifecycle jobs on a timer: key rotation every `key_rotation_check_interval_seconds`, salt
 * rotation (for the next UTC day, once per day) checked every `salt_rotation_check_interval_seconds`,
 * and the purge of opt-out client-IP hashes past their retention every
 * `optout_client_ip_purge_interval_seconds`.
 * Every process may run a scheduler; a tick acts only while `store.tryLeadership` says this process
 * leads (PostgreSQL advisory lock; the embedded store always leads), so the jobs run on exactly one
 * process at a time. Timers do not keep the process alive; `stop()` waits for a running job.
 */
export class LifecycleScheduler {
  readonly #o: SchedulerOptions;
  readonly #now: () => number;
  #keyTimer: NodeJS.Timeout | undefined;
  #saltTimer: NodeJS.Timeout | undefined;
  #purgeTimer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #stopped = false;
  #leading: boolean | undefined;

  constructor(options: SchedulerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** Starts the timers; the first checks run right away (in the background). */
  start(): void {
    const { settings } = this.#o;
    this.#keyTimer = setInterval(
      () => this.#queue(() => this.runKeyRotation()),
      settings.key_rotation_check_interval_seconds * 1000,
    );
    this.#saltTimer = setInterval(
      () => this.#queue(() => this.runSaltRotation()),
      settings.salt_rotation_check_interval_seconds * 1000,
    );
    this.#purgeTimer = setInterval(
      () => this.#queue(() => this.runClientIpPurge()),
      settings.optout_client_ip_purge_interval_seconds * 1000,
    );
    this.#keyTimer.unref();
    this.#saltTimer.unref();
    this.#purgeTimer.unref();
    this.#queue(() => this.runKeyRotation());
    this.#queue(() => this.runSaltRotation());
    this.#queue(() => this.runClientIpPurge());
  }

  /** Stops the timers and waits for the job in progress, if any. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#keyTimer) clearInterval(this.#keyTimer);
    if (this.#saltTimer) clearInterval(this.#saltTimer);
    if (this.#purgeTimer) clearInterval(this.#purgeTimer);
    this.#keyTimer = undefined;
    this.#saltTimer = undefined;
    this.#purgeTimer = undefined;
    await this.#running;
  }

  /** Jobs run one after the other, never concurrently within a process. */
  #queue(job: () => Promise<unknown>): void {
    this.#running = this.#running.then(async () => {
      if (this.#stopped) return;
      try {
        await job();
      } catch (error) {
        this.#o.logger.error({ err: error }, 'lifecycle job failed');
      }
    });
  }

  async #lead(): Promise<boolean> {
    const leading = await this.#o.store.tryLeadership(LIFECYCLE_LEADERSHIP);
    if (leading !== this.#leading) {
      this.#o.logger.info({ leading }, leading ? 'lifecycle jobs: leading' : 'lifecycle jobs: standing by');
      this.#leading = leading;
    }
    return leading;
  }

  /** One key-rotation check (when leading). Returns whether anything changed. */
  async runKeyRotation(): Promise<boolean> {
    if (!(await this.#lead())) return false;
    const report = await rotateKeys(this.#o.store, this.#o.settings, this.#now());
    if (report.created.length === 0 && report.retired.length === 0) return false;
    this.#o.logger.info(
      { created: report.created.map((k) => ({ id: k.id, keysetId: k.keysetId })), retired: report.retired },
      'keys rotated',
    );
    this.#o.onChange?.();
    return true;
  }

  /**
   * Deletes the opt-out client-IP hashes older than `optout_client_ip_retention_days` (when
   * leading). Returns how many were deleted.
   */
  async runClientIpPurge(): Promise<number> {
    if (!(await this.#lead())) return 0;
    const days = this.#o.settings.optout_client_ip_retention_days;
    const before = Math.floor(this.#now() / 1000) - days * 86_400;
    const purged = await this.#o.store.purgeOptOutClientIps(before);
    if (purged > 0) this.#o.logger.info({ purged, retentionDays: days }, 'opt-out client-IP hashes purged');
    return purged;
  }

  /** Salt rotation for the next UTC day, unless already done for it (when leading). */
  async runSaltRotation(): Promise<boolean> {
    if (!(await this.#lead())) return false;
    const nowMs = this.#now();
    const target = truncDay(nowMs) + DAY_MS;
    const done = Number((await this.#o.store.getMeta(SALT_ROTATION_META)) ?? '0');
    if (done >= target) return false;
    const report = await rotateSalts(this.#o.store, this.#o.settings, nowMs, { targetDayMs: target });
    await this.#o.store.setMeta(SALT_ROTATION_META, String(target));
    this.#o.logger.info(
      {
        targetDay: new Date(target).toISOString().slice(0, 10),
        eligible: report.eligible,
        rotated: report.rotated.length,
      },
      'salts rotated',
    );
    if (report.written > 0) this.#o.onChange?.();
    return report.written > 0;
  }
}
