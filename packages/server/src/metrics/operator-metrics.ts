import {
  Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  type LabelValues,
  type MetricObjectWithValues,
  type MetricValueWithName,
  Registry,
} from 'prom-client';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** One endpoint's request latency, as plain numbers (bucket counts are not cumulative here). */
interface EndpointLatency {
  readonly labels: LabelValues<'endpoint'>;
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

/**
 * The per-endpoint request-latency histogram, recorded with a map lookup and a few additions per
 * request instead of prom-client's per-call label validation and hashing (about 0.4 µs per request,
 * a few per cent of token/generate). It renders exactly what a prom-client Histogram with the same
 * name, buckets and `endpoint` label renders, from its own counts.
 */
export class RequestLatencyHistogram extends Histogram<'endpoint'> {
  // Not a #private field: prom-client's constructor calls reset() before subclass fields exist.
  private readonly byEndpoint: Map<string, EndpointLatency> = new Map();
  readonly #name: string;
  readonly #help: string;

  constructor(name: string, help: string, registry: Registry) {
    super({ name, help, labelNames: ['endpoint'], buckets: LATENCY_BUCKETS, registers: [registry] });
    this.#name = name;
    this.#help = help;
  }

  /** Records one request of `endpoint` that took `seconds`. */
  record(endpoint: string, seconds: number): void {
    let e = this.byEndpoint.get(endpoint);
    if (e === undefined) {
      e = { labels: { endpoint }, buckets: new Float64Array(LATENCY_BUCKETS.length), sum: 0, count: 0 };
      this.byEndpoint.set(endpoint, e);
    }
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
      if (seconds <= (LATENCY_BUCKETS[i] as number)) {
        (e.buckets[i] as number)++;
        break;
      }
    }
    e.sum += seconds;
    e.count++;
  }

  override reset(): void {
    // Undefined only while prom-client's constructor runs (it resets before our fields are set).
    (this.byEndpoint as Map<string, EndpointLatency> | undefined)?.clear();
  }

  /**
   * What prom-client's Histogram.getForPromString returns, which the registry renders: the `le`
   * label apart from the endpoint's (shared) labels, cumulative bucket counts, +Inf, sum, count.
   */
  async getForPromString(): Promise<RenderedHistogram> {
    return this.#values(false);
  }

  /** The JSON form (Histogram.get): the same values with `le` and `endpoint` in one label set. */
  override async get(): Promise<MetricObjectWithValues<MetricValueWithName<'endpoint'>>> {
    // prom-client's typings declare `type` as a numeric enum and a `collect` member; at run time
    // the registry reads the string type and the values only.
    return this.#values(true) as unknown as MetricObjectWithValues<MetricValueWithName<'endpoint'>>;
  }

  #values(splay: boolean): RenderedHistogram {
    const values: LatencyValue[] = [];
    const bucketName = `${this.#name}_bucket`;
    const value = (
      le: number | string | undefined,
      shared: LabelValues<'endpoint'>,
      v: number,
      metricName: string,
    ): LatencyValue => {
      const own = le === undefined ? {} : { le };
      // Like prom-client: bucket values carry a null exemplar, sum and count an undefined one.
      const exemplar = metricName === bucketName ? null : undefined;
      return splay
        ? { value: v, metricName, exemplar, labels: { ...own, ...shared } }
        : { labels: own, sharedLabels: shared, value: v, metricName, exemplar };
    };
    for (const e of this.byEndpoint.values()) {
      let acc = 0;
      for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
        acc += e.buckets[i] as number;
        values.push(value(LATENCY_BUCKETS[i], e.labels, acc, bucketName));
      }
      values.push(value('+Inf', e.labels, e.count, bucketName));
      values.push(value(undefined, e.labels, e.sum, `${this.#name}_sum`));
      values.push(value(undefined, e.labels, e.count, `${this.#name}_count`));
    }
    return { name: this.#name, help: this.#help, type: 'histogram', values, aggregator: 'sum' };
  }
}

/** What the registry renders a histogram from. */
interface RenderedHistogram {
  readonly name: string;
  readonly help: string;
  readonly type: 'histogram';
  readonly values: LatencyValue[];
  readonly aggregator: 'sum';
}

/** One rendered latency value (prom-client's shape, with its optional shared labels and exemplar). */
type LatencyValue = MetricValueWithName<string> & {
  sharedLabels?: LabelValues<'endpoint'>;
  exemplar?: null | undefined;
};

/** Prometheus metrics of an operator process, served on the metrics listener. */
export class OperatorMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'endpoint' | 'status'>;
  readonly latency: RequestLatencyHistogram;
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
  /** Requests counted since the last scrape, by endpoint then HTTP status (added to `requests` then). */
  readonly #pendingRequests = new Map<string, Map<number, number>>();

  constructor(collectDefaults = true) {
    if (collectDefaults) collectDefaultMetrics({ register: this.registry, prefix: 'uid2_' });
    const pending = this.#pendingRequests;
    this.requests = new Counter({
      name: 'uid2_operator_requests_total',
      help: 'Operator API requests by endpoint and HTTP status',
      labelNames: ['endpoint', 'status'],
      registers: [this.registry],
      collect() {
        for (const [endpoint, byStatus] of pending) {
          for (const [status, n] of byStatus) if (n > 0) this.inc({ endpoint, status: String(status) }, n);
          byStatus.clear();
        }
      },
    });
    this.latency = new RequestLatencyHistogram(
      'uid2_operator_request_seconds',
      'Operator API request latency',
      this.registry,
    );
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

  /**
   * Counts one operator request and its latency (the onResponse hook). Plain map updates on the
   * hot path; `requests` is brought up to date when it is scraped.
   */
  recordRequest(endpoint: string, status: number, seconds: number): void {
    let byStatus = this.#pendingRequests.get(endpoint);
    if (byStatus === undefined) {
      byStatus = new Map();
      this.#pendingRequests.set(endpoint, byStatus);
    }
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    this.latency.record(endpoint, seconds);
  }
}
