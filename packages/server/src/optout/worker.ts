import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../store/store.js';
import type { PartnerRecord } from '../store/types.js';
import { isRetryable, type RetryPolicy, retryDelayMs } from './backoff.js';
import {
  batchRequest,
  type DeliveryEntry,
  type DeliveryRequest,
  partnerHost,
  referenceRequest,
} from './formats.js';
import type { DeliveryMetrics } from './metrics.js';

export type DeliveryLogger = Pick<FastifyBaseLogger, 'debug' | 'info' | 'warn' | 'error'>;

/** What a partner worker needs; settings come from `optout_delivery_*` (config/runtime.ts). */
export interface DeliveryOptions {
  readonly store: Store;
  readonly logger: DeliveryLogger;
  readonly metrics?: DeliveryMetrics | undefined;
  readonly policy: RetryPolicy;
  /** Timeout of one request. */
  readonly timeoutMs: number;
  /** How often an idle worker looks for new opt-outs (it is also woken by change notifications). */
  readonly pollMs: number;
  /** How often a process that does not deliver for a partner tries to take over (default 1 s). */
  readonly standbyMs?: number;
  /** Opt-outs read from the store at a time (default 1000). */
  readonly pageSize?: number;
}

class Stopped extends Error {}
class LostLeadership extends Error {}

type SendResult = { ok: true } | { ok: false; status: number | undefined; error: string };
type DeliverResult = { ok: true } | { ok: false; attempts: number; error: string };

interface Sleeper {
  readonly wakeable: boolean;
  readonly done: () => void;
}

/** Groups entries into requests: one per opt-out (reference format) or up to `batchSize` (batch). */
function unitsOf<T>(partner: PartnerRecord, entries: readonly T[]): T[][] {
  const size = partner.format === 'batch' ? Math.max(1, partner.batchSize) : 1;
  const units: T[][] = [];
  for (let i = 0; i < entries.length; i += size) units.push(entries.slice(i, i + size));
  return units;
}

/** Why a request failed, without its URL (which may carry credentials). */
function describeError(error: unknown): string {
  const e = error as { name?: string; cause?: { code?: unknown } } | undefined;
  if (e?.name === 'TimeoutError') return 'timeout';
  const code = e?.cause?.code;
  return typeof code === 'string' ? code : `network error (${e?.name ?? 'unknown'})`;
}

/**
 * Delivers the opt-out log to one DSP partner, in seq order and at least once, while this process
 * holds the partner's leadership (`partner:<name>`; one process per partner at a time). The durable
 * cursor advances only after the partner accepted an entry (2xx) or the entry was dead-lettered;
 * network errors, timeouts, 408, 429 and 5xx are retried with exponential backoff and jitter, other
 * statuses dead-letter at once. Replays requested by admin are sent before new opt-outs.
 * Replaces the reference `OptOutSender` (optout.md §6) with the §12 design.
 */
export class PartnerWorker {
  #partner: PartnerRecord;
  readonly #o: DeliveryOptions;
  readonly #lock: string;
  readonly #abort = new AbortController();
  readonly #sleepers = new Set<Sleeper>();
  #stopped = false;
  #leading = false;
  #cursor = 0;
  #oldestPendingTs: number | undefined;
  readonly done: Promise<void>;

  constructor(partner: PartnerRecord, options: DeliveryOptions) {
    this.#partner = partner;
    this.#o = options;
    this.#lock = `partner:${partner.name}`;
    this.done = this.#run();
  }

  get name(): string {
    return this.#partner.name;
  }

  /** Uses a changed configuration from the next request on. */
  update(partner: PartnerRecord): void {
    this.#partner = partner;
  }

  /** Ends an idle wait early (new opt-outs or replays may be waiting). */
  wake(): void {
    for (const s of this.#sleepers) if (s.wakeable) s.done();
  }

  /** Whether this process delivers for the partner, its cursor and lag (for metrics). */
  get status(): { leading: boolean; cursor: number; lagSeconds: number } {
    const ts = this.#oldestPendingTs;
    return {
      leading: this.#leading,
      cursor: this.#cursor,
      lagSeconds: ts === undefined ? 0 : Math.max(0, Date.now() / 1000 - ts),
    };
  }

  /** Stops at once: a request in flight is aborted (and sent again later: at least once). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    for (const s of this.#sleepers) s.done();
    await this.done;
  }

  #sleep(ms: number, wakeable: boolean): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper: Sleeper = {
        wakeable,
        done: () => {
          clearTimeout(timer);
          this.#sleepers.delete(sleeper);
          resolve();
        },
      };
      const timer = setTimeout(sleeper.done, ms);
      this.#sleepers.add(sleeper);
    });
  }

  async #run(): Promise<void> {
    const { logger, pollMs } = this.#o;
    let errorDelay = pollMs;
    while (!this.#stopped) {
      try {
        if (!(await this.#lead())) {
          await this.#sleep(this.#o.standbyMs ?? 1000, false);
          continue;
        }
        const busy = await this.#step();
        errorDelay = pollMs;
        if (!busy) await this.#sleep(pollMs, true);
      } catch (error) {
        if (this.#stopped || error instanceof Stopped) break;
        if (error instanceof LostLeadership) continue;
        logger.error({ err: error, partner: this.name }, 'opt-out delivery: store error; trying again');
        await this.#sleep(errorDelay, false);
        errorDelay = Math.min(errorDelay * 2, this.#o.policy.maxMs);
      }
    }
    this.#leading = false;
  }

  /** Takes (or keeps) the partner's leadership; reads the durable cursor when taking it. */
  async #lead(): Promise<boolean> {
    const ok = await this.#o.store.tryLeadership(this.#lock);
    if (ok && !this.#leading) {
      this.#cursor = await this.#o.store.getPartnerCursor(this.name);
      this.#o.logger.info(
        { partner: this.name, host: partnerHost(this.#partner), cursor: this.#cursor },
        'opt-out delivery: delivering to partner',
      );
    } else if (!ok && this.#leading) {
      this.#o.logger.info({ partner: this.name }, 'opt-out delivery: another process delivers to partner');
    }
    this.#leading = ok;
    return ok;
  }

  /** One round: pending replays first, else the next page of opt-outs. Returns false when idle. */
  async #step(): Promise<boolean> {
    const { store } = this.#o;
    const pageSize = this.#o.pageSize ?? 1000;
    const replays = await store.listDeadLetters(this.name, { replayOnly: true, limit: pageSize });
    if (replays.length > 0) {
      for (const unit of unitsOf(this.#partner, replays)) {
        const result = await this.#deliver(unit);
        if (result.ok) {
          await store.removeDeadLetters(
            this.name,
            unit.map((d) => d.id),
          );
        } else {
          await this.#deadLetter(unit, result);
        }
      }
      return true;
    }
    const page = await store.listOptOutsAfter(this.#cursor, pageSize);
    if (page.length === 0) {
      this.#oldestPendingTs = undefined;
      return false;
    }
    for (const unit of unitsOf(this.#partner, page)) {
      this.#oldestPendingTs = unit[0]?.timestamp;
      const result = await this.#deliver(unit);
      if (!result.ok) await this.#deadLetter(unit, result);
      const last = unit[unit.length - 1] as DeliveryEntry;
      await store.advancePartnerCursor(this.name, last.seq);
      this.#cursor = last.seq;
    }
    return true;
  }

  async #deadLetter(
    unit: readonly DeliveryEntry[],
    result: { attempts: number; error: string },
  ): Promise<void> {
    const created = Date.now();
    await this.#o.store.addDeadLetters(
      unit.map((e) => ({
        partner: this.name,
        seq: e.seq,
        advertisingId: e.advertisingId,
        timestamp: e.timestamp,
        attempts: result.attempts,
        lastError: result.error,
        created,
      })),
    );
    this.#o.metrics?.deadLetters.inc({ partner: this.name }, unit.length);
    this.#o.logger.warn(
      {
        partner: this.name,
        count: unit.length,
        firstSeq: unit[0]?.seq,
        attempts: result.attempts,
        error: result.error,
      },
      'opt-out delivery: moved to dead letters',
    );
  }

  /** Sends one request until it succeeds, the attempts run out, or the failure is not retryable. */
  async #deliver(unit: readonly DeliveryEntry[]): Promise<DeliverResult> {
    const { metrics, logger, policy } = this.#o;
    const partner = this.name;
    for (let attempt = 1; ; attempt++) {
      if (this.#stopped) throw new Stopped();
      // Another process may have taken over while this one was backing off.
      if (attempt > 1 && !(await this.#o.store.tryLeadership(this.#lock))) throw new LostLeadership();
      const result = await this.#send(unit);
      if (result.ok) {
        metrics?.requests.inc({ partner, outcome: 'ok' });
        metrics?.delivered.inc({ partner }, unit.length);
        return result;
      }
      const retryable = isRetryable(result.status);
      metrics?.requests.inc({ partner, outcome: retryable ? 'retryable' : 'rejected' });
      if (!retryable || attempt >= policy.maxAttempts)
        return { ok: false, attempts: attempt, error: result.error };
      if (attempt === 1)
        logger.warn({ partner, error: result.error, seq: unit[0]?.seq }, 'opt-out delivery failed; retrying');
      else
        logger.debug(
          { partner, attempt, error: result.error, advertisingId: unit[0]?.advertisingId.toString('base64') },
          'opt-out delivery: retrying',
        );
      metrics?.retries.inc({ partner });
      await this.#sleep(retryDelayMs(attempt, policy), false);
    }
  }

  async #send(unit: readonly DeliveryEntry[]): Promise<SendResult> {
    const partner = this.#partner;
    const first = unit[0] as DeliveryEntry;
    const request: DeliveryRequest =
      partner.format === 'batch'
        ? batchRequest(partner, unit, Math.floor(Date.now() / 1000))
        : referenceRequest(partner, first);
    const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#o.timeoutMs)]);
    try {
      const response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal,
        redirect: 'manual',
      });
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return { ok: true };
      return { ok: false, status: response.status, error: `HTTP ${response.status}` };
    } catch (error) {
      if (this.#stopped) throw new Stopped();
      return { ok: false, status: undefined, error: describeError(error) };
    }
  }
}
