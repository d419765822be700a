import type { RuntimeSettings } from '../config/runtime.js';
import type { Store } from '../store/store.js';
import type { DeliveryMetrics } from './metrics.js';
import { type DeliveryLogger, type DeliveryOptions, PartnerWorker } from './worker.js';

/** The delivery options the runtime settings describe. */
export function deliveryOptionsOf(
  settings: RuntimeSettings,
  store: Store,
  logger: DeliveryLogger,
  metrics?: DeliveryMetrics,
): DeliveryOptions {
  return {
    store,
    logger,
    metrics,
    policy: {
      initialMs: settings.optout_delivery_retry_initial_ms,
      maxMs: settings.optout_delivery_retry_max_ms,
      maxAttempts: settings.optout_delivery_max_attempts,
    },
    timeoutMs: settings.optout_delivery_timeout_ms,
    pollMs: settings.optout_delivery_poll_ms,
  };
}

/**
 * The `optout` role's webhook sender: one {@link PartnerWorker} per enabled partner. It follows the
 * partner configuration without a restart (the store's change counter, polled every
 * `configPollMs`, and PostgreSQL change notifications), and wakes the workers on opt-out
 * notifications. The reference redeploys all senders when the partner config changes (optout.md §6).
 */
export class OptOutDeliveryService {
  readonly #o: DeliveryOptions;
  readonly #workers = new Map<string, PartnerWorker>();
  #version: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #reloading: Promise<void> | undefined;
  #again = false;
  #closed = false;

  private constructor(options: DeliveryOptions) {
    this.#o = options;
  }

  /** Loads the partners, starts their workers and begins following changes. */
  static async start(options: DeliveryOptions, configPollMs = 1000): Promise<OptOutDeliveryService> {
    const service = new OptOutDeliveryService(options);
    await service.reload(true);
    service.#timer = setInterval(() => void service.reload(), configPollMs);
    service.#timer.unref();
    service.#unsubscribe = options.store.onChange((kind) => {
      if (kind === 'participants') void service.reload(true);
      else if (kind === 'optouts') service.wake();
    });
    if (options.metrics) {
      options.metrics.lagSources = () => {
        const out = new Map<string, { lagSeconds: number; cursor: number }>();
        for (const w of service.#workers.values()) {
          const s = w.status;
          if (s.leading) out.set(w.name, s);
        }
        return out;
      };
    }
    return service;
  }

  /** Names of the partners this process runs a worker for (leading or standing by). */
  get partners(): string[] {
    return [...this.#workers.keys()].sort();
  }

  /** Names of the partners this process delivers to now (it holds their leadership). */
  get leading(): string[] {
    return [...this.#workers.values()]
      .filter((w) => w.status.leading)
      .map((w) => w.name)
      .sort();
  }

  /** Ends idle waits (new opt-outs or replays are waiting). */
  wake(): void {
    for (const w of this.#workers.values()) w.wake();
  }

  /** Re-reads the partners when the store's change counter moved (always with `force`). */
  reload(force = false): Promise<void> {
    if (this.#reloading) {
      this.#again ||= force;
      return this.#reloading;
    }
    this.#reloading = this.#reload(force).finally(() => {
      this.#reloading = undefined;
      if (this.#again && !this.#closed) {
        this.#again = false;
        void this.reload(true);
      }
    });
    return this.#reloading;
  }

  async #reload(force: boolean): Promise<void> {
    try {
      const version = await this.#o.store.changeVersion();
      if (!force && version === this.#version) return;
      const partners = (await this.#o.store.listPartners()).filter((p) => p.enabled);
      this.#version = version;
      if (this.#closed) return;
      const names = new Set(partners.map((p) => p.name));
      for (const [name, worker] of this.#workers) {
        if (names.has(name)) continue;
        this.#workers.delete(name);
        this.#o.logger.info({ partner: name }, 'opt-out delivery: partner removed or disabled');
        await worker.stop();
      }
      for (const p of partners) {
        const worker = this.#workers.get(p.name);
        if (worker) worker.update(p);
        else this.#workers.set(p.name, new PartnerWorker(p, this.#o));
      }
    } catch (error) {
      this.#o.logger.warn({ err: error }, 'opt-out delivery: cannot read the partners; trying again');
    }
  }

  /** Stops every worker (requests in flight are aborted and sent again later). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#unsubscribe?.();
    await this.#reloading;
    await Promise.all([...this.#workers.values()].map((w) => w.stop()));
    this.#workers.clear();
  }
}
