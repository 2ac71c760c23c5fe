import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpServerRequestDurationSeconds, httpServerRequestsTotal } from '@opsight/catalog';
import { bindCounter, bindHistogram } from '../../src/metrics/bound-series.js';
import { observeWithTrace } from '../../src/metrics/exemplars.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';

const sampled = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
const unsampled = { ...sampled, traceId: '1af7651916cd43dd8448eb211c80319c', traceFlags: 0 };
const labels = { method: 'GET', route: '/v1/chat', status_class: '2xx' } as const;
const other = { method: 'POST', route: '/v1/chat', status_class: '5xx' } as const;
// Values in several buckets, on a bucket's bound, and above the last one (+Inf).
const values = [0.001, 0.0123, 0.05, 0.25, 0.25, 1, 7, 99, 1e6, 0];

/** The exposition without exemplar timestamps (the two registries write them at different instants). */
async function exposition(registry: MetricsRegistry): Promise<string> {
  const { body } = await registry.render('application/openmetrics-text');
  return body.replace(/(# \{[^}]*\} \S+) \S+$/gm, '$1');
}

function pair() {
  const registry = new MetricsRegistry({ defaultMetrics: false });
  return {
    registry,
    requests: registry.counter(httpServerRequestsTotal),
    duration: registry.histogram(httpServerRequestDurationSeconds),
  };
}

test('bound series write the same exposition as unbound updates, exemplars included', async () => {
  const unbound = pair();
  const bound = pair();
  const boundRequests = bindCounter(bound.requests, labels);
  const boundOther = bindCounter(bound.requests, other);
  const boundDuration = bindHistogram(bound.duration, labels);
  for (const [i, value] of values.entries()) {
    const spanContext = i % 3 === 0 ? unsampled : sampled;
    unbound.requests.inc(labels);
    unbound.requests.inc(other, 2);
    observeWithTrace(unbound.duration, labels, value, spanContext);
    boundRequests.inc();
    boundOther.inc(2);
    boundDuration.observe(value, spanContext);
  }
  const expected = await exposition(unbound.registry);
  assert.match(expected, /trace_id="0af7651916cd43dd8448eb211c80319c"/);
  assert.match(
    expected,
    /http_server_requests_total\{method="GET",route="\/v1\/chat",status_class="2xx"\} 10/,
  );
  assert.equal(await exposition(bound.registry), expected);
});

test('a bound series keeps counting after the registry is reset', async () => {
  const { registry, requests, duration } = pair();
  const boundRequests = bindCounter(requests, labels);
  const boundDuration = bindHistogram(duration, labels);
  boundRequests.inc();
  boundDuration.observe(0.5, sampled);
  registry.prom.resetMetrics();
  boundRequests.inc(3);
  boundDuration.observe(0.5);
  boundDuration.observe(0.5);
  const body = await exposition(registry);
  assert.match(body, /http_server_requests_total\{method="GET",route="\/v1\/chat",status_class="2xx"\} 3\n/);
  assert.match(
    body,
    /http_server_request_duration_seconds_count\{method="GET",route="\/v1\/chat",status_class="2xx"\} 2\n/,
  );
});

test('bad values are refused as prom-client refuses them, bound or not', () => {
  const { requests, duration } = pair();
  const boundRequests = bindCounter(requests, labels);
  const boundDuration = bindHistogram(duration, labels);
  boundRequests.inc();
  boundDuration.observe(0.1);
  assert.throws(() => boundRequests.inc(-1), /not possible to decrease/);
  assert.throws(() => boundRequests.inc(Number.POSITIVE_INFINITY), /not a valid number/);
  assert.throws(() => boundDuration.observe(Number.NaN), /not a valid number/);
  assert.throws(() => bindCounter(requests, { ...labels, extra: 'x' } as never).inc(), /label/i);
});
