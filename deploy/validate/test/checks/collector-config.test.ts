import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { collectorConfigProblems } from '../../src/checks/collector-config.js';
import { repoRoot } from '../../src/paths.js';

const load = (path: string) => parse(readFileSync(join(repoRoot, path), 'utf8'));

test('the collector gateway, agent and Jaeger configurations are complete', () => {
  for (const path of [
    'observability/otel-collector/config.yaml',
    'deploy/k8s/base/monitoring/config/otel-collector-agent.yaml',
    'observability/jaeger/config.yaml',
  ])
    assert.deepEqual(collectorConfigProblems(load(path)), [], path);
});

test('the gateway keeps span metrics before sampling and exports sampled traces to Jaeger', () => {
  const config = load('observability/otel-collector/config.yaml');
  const pipelines = config.service.pipelines;
  assert.ok(
    Object.values(pipelines).some((p) => (p as { exporters: string[] }).exporters.includes('spanmetrics')),
  );
  assert.ok(pipelines['traces/sampled'].processors.includes('tail_sampling'));
  assert.ok(!pipelines['traces/metrics'].processors.includes('tail_sampling'));
  const agent = load('deploy/k8s/base/monitoring/config/otel-collector-agent.yaml');
  assert.equal(agent.exporters.loadbalancing.routing_key, 'traceID');
});

test('broken collector and Jaeger configurations are reported', () => {
  const problems = collectorConfigProblems({
    receivers: { otlp: {} },
    processors: {
      tail_sampling: {
        policies: [
          { name: 'x', type: 'nope' },
          { name: 'y', type: 'latency' },
        ],
      },
    },
    exporters: { jaeger_storage_exporter: { trace_storage: 'missing' } },
    connectors: { spanmetrics: {} },
    extensions: {
      jaeger_query: { storage: { traces: 'gone' } },
      jaeger_storage: { backends: { a: { badger: { ephemeral: false } } } },
    },
    service: {
      extensions: ['health_check'],
      pipelines: {
        traces: { receivers: ['otlp', 'kafka'], processors: ['batch'], exporters: ['spanmetrics'] },
        spans: { receivers: ['otlp'], exporters: [] },
      },
    },
  }).join('\n');
  for (const expected of [
    /health_check is not defined/,
    /receiver kafka is not defined/,
    /processor batch is not defined/,
    /pipeline spans: the id must start/,
    /pipeline spans: no exporters/,
    /connector spanmetrics must be an exporter in one pipeline and a receiver/,
    /policy x has unknown type nope/,
    /policy y lacks its latency settings/,
    /persistent badger needs directories/,
    /jaeger_query.storage.traces gone/,
    /trace_storage missing/,
  ])
    assert.match(problems, expected);
  assert.deepEqual(collectorConfigProblems({}), ['service.pipelines is empty']);
});
