import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { OperatorMetrics, RequestLatencyHistogram } from '../src/metrics/operator-metrics.js';

const NAME = 'uid2_operator_request_seconds';
const HELP = 'Operator API request latency';
const SAMPLES: Array<[string, number]> = [
  ['/v2/token/generate', 0.0004],
  ['/v2/token/generate', 0.001],
  ['/v2/token/generate', 0.0031],
  ['/v3/identity/map', 0.07],
  ['/v3/identity/map', 3],
  ['/v2/token/generate', 0.26],
  ['unmatched', 0],
];

describe('operator request metrics', () => {
  it('renders the latency histogram exactly like a prom-client Histogram', async () => {
    const ours = new Registry();
    const latency = new RequestLatencyHistogram(NAME, HELP, ours);
    const reference = new Registry();
    const histogram = new Histogram({
      name: NAME,
      help: HELP,
      labelNames: ['endpoint'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [reference],
    });
    for (const [endpoint, seconds] of SAMPLES) {
      latency.record(endpoint, seconds);
      histogram.observe({ endpoint }, seconds);
    }
    assert.equal(await ours.metrics(), await reference.metrics());
    assert.deepEqual(await ours.getMetricsAsJSON(), await reference.getMetricsAsJSON());
    latency.reset();
    histogram.reset();
    assert.equal(await ours.metrics(), await reference.metrics());
  });

  it('counts requests by endpoint and status like per-request Counter.inc calls', async () => {
    const metrics = new OperatorMetrics(false);
    const reference = new Registry();
    const counter = new Counter({
      name: 'uid2_operator_requests_total',
      help: 'Operator API requests by endpoint and HTTP status',
      labelNames: ['endpoint', 'status'],
      registers: [reference],
    });
    const requests: Array<[string, number]> = [
      ['/v2/token/generate', 200],
      ['/v2/token/generate', 200],
      ['/v2/token/generate', 400],
      ['/v3/identity/map', 200],
    ];
    for (const [endpoint, status] of requests) {
      metrics.recordRequest(endpoint, status, 0.001);
      counter.inc({ endpoint, status: String(status) });
    }
    const lines = async (r: Registry, name: string) =>
      (await r.getSingleMetricAsString(name)).split('\n').filter((l) => !l.startsWith('#'));
    assert.deepEqual(
      await lines(metrics.registry, 'uid2_operator_requests_total'),
      await lines(reference, 'uid2_operator_requests_total'),
    );
    // Scraping again adds nothing twice; new requests are added on the next scrape.
    metrics.recordRequest('/v2/token/generate', 200, 0.001);
    counter.inc({ endpoint: '/v2/token/generate', status: '200' });
    await metrics.registry.metrics();
    assert.deepEqual(
      await lines(metrics.registry, 'uid2_operator_requests_total'),
      await lines(reference, 'uid2_operator_requests_total'),
    );
  });
});
