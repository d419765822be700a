import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of an operator process, served on the metrics listener. */
export class OperatorMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'endpoint' | 'status'>;
  readonly latency: Histogram<'endpoint'>;
  readonly optOutsIndexed: Gauge;
  readonly snapshotAge: Gauge;
  readonly tokensGenerated: Counter<'kind'>;
  readonly optOutIntake: Counter;
  readonly optOutPropagationLag: Histogram;
  /** Where the gauges read their values at scrape time. */
  sources: { optOutCount: () => number; snapshotAgeSeconds: () => number } = {
    optOutCount: () => 0,
    snapshotAgeSeconds: () => 0,
  };

  constructor(collectDefaults = true) {
    if (collectDefaults) collectDefaultMetrics({ register: this.registry, prefix: 'uid2_' });
    this.requests = new Counter({
      name: 'uid2_operator_requests_total',
      help: 'Operator API requests by endpoint and HTTP status',
      labelNames: ['endpoint', 'status'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'uid2_operator_request_seconds',
      help: 'Operator API request latency',
      labelNames: ['endpoint'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [this.registry],
    });
    this.tokensGenerated = new Counter({
      name: 'uid2_operator_tokens_total',
      help: 'Identities issued, by kind (generate, refresh, client_generate)',
      labelNames: ['kind'],
      registers: [this.registry],
    });
    this.optOutIntake = new Counter({
      name: 'uid2_optout_intake_total',
      help: 'Opt-outs durably recorded through /v2/token/logout by this process',
      registers: [this.registry],
    });
    this.optOutPropagationLag = new Histogram({
      name: 'uid2_optout_propagation_lag_seconds',
      help: 'Time from an opt-out (its timestamp has one-second resolution) until this operator read it from the store',
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [this.registry],
    });
    const sources = () => this.sources;
    this.optOutsIndexed = new Gauge({
      name: 'uid2_optout_index_entries',
      help: 'Opt-outs in the operator index',
      registers: [this.registry],
      collect() {
        this.set(sources().optOutCount());
      },
    });
    this.snapshotAge = new Gauge({
      name: 'uid2_snapshot_age_seconds',
      help: 'Seconds since the operator last refreshed its snapshot from the store',
      registers: [this.registry],
      collect() {
        this.set(sources().snapshotAgeSeconds());
      },
    });
  }
}
