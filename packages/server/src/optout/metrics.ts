import { Counter, Gauge, type Registry } from 'prom-client';

/** Prometheus metrics of DSP opt-out delivery, per partner. */
export class DeliveryMetrics {
  readonly delivered: Counter<'partner'>;
  readonly requests: Counter<'partner' | 'outcome'>;
  readonly retries: Counter<'partner'>;
  readonly deadLetters: Counter<'partner'>;
  readonly lag: Gauge<'partner'>;
  readonly cursor: Gauge<'partner'>;
  /** Per partner: seconds since the oldest opt-out not yet delivered (0 when caught up). */
  lagSources: () => ReadonlyMap<string, { lagSeconds: number; cursor: number }> = () => new Map();

  constructor(registry: Registry) {
    const registers = [registry];
    this.delivered = new Counter({
      name: 'uid2_optout_delivered_total',
      help: 'Opt-outs delivered to DSP partners (replays included)',
      labelNames: ['partner'],
      registers,
    });
    this.requests = new Counter({
      name: 'uid2_optout_delivery_requests_total',
      help: 'Webhook requests to DSP partners, by outcome (ok, retryable, rejected)',
      labelNames: ['partner', 'outcome'],
      registers,
    });
    this.retries = new Counter({
      name: 'uid2_optout_delivery_retries_total',
      help: 'Webhook requests retried after a failure',
      labelNames: ['partner'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'uid2_optout_dead_letters_total',
      help: 'Opt-outs moved to a partner dead-letter list',
      labelNames: ['partner'],
      registers,
    });
    const sources = () => this.lagSources();
    this.lag = new Gauge({
      name: 'uid2_optout_delivery_lag_seconds',
      help: 'Age of the oldest opt-out not yet delivered to the partner (0 when caught up)',
      labelNames: ['partner'],
      registers,
      collect() {
        this.reset();
        for (const [partner, s] of sources()) this.set({ partner }, s.lagSeconds);
      },
    });
    this.cursor = new Gauge({
      name: 'uid2_optout_delivery_cursor',
      help: 'Sequence number of the last opt-out delivered to the partner',
      labelNames: ['partner'],
      registers,
      collect() {
        this.reset();
        for (const [partner, s] of sources()) this.set({ partner }, s.cursor);
      },
    });
  }
}
