import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { getTelemetry, initTelemetry, type Telemetry } from '../src/telemetry.js';
import { LineCapture } from '../src/testing.js';

let current: Telemetry | undefined;
afterEach(async () => {
  await current?.shutdown();
  current = undefined;
});

function start(env: Record<string, string>, extra: { sampleRatio?: number } = {}) {
  const spans = new InMemorySpanExporter();
  const logs = new LineCapture();
  current = initTelemetry({
    service: 'api-service',
    version: '1.0.0',
    namespace: 'core-services',
    handleSignals: false,
    spanExporter: spans,
    logDestination: logs,
    env: { OTEL_BSP_SCHEDULE_DELAY: '5', ...env },
    ...extra,
  });
  return { telemetry: current, spans, logs };
}

test('resource: service.* from options, k8s.* and OTEL_RESOURCE_ATTRIBUTES from the environment', async () => {
  const { telemetry, spans } = start({
    K8S_POD_NAME: 'api-service-7d9f-abcde',
    K8S_NAMESPACE_NAME: 'core-services',
    K8S_NODE_NAME: 'node-1',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=local',
  });
  telemetry.tracer.startSpan('op').end();
  await telemetry.forceFlush();
  const attributes = spans.getFinishedSpans()[0]!.resource.attributes;
  assert.equal(attributes['service.name'], 'api-service');
  assert.equal(attributes['service.version'], '1.0.0');
  assert.equal(attributes['service.namespace'], 'core-services');
  assert.equal(attributes['service.instance.id'], 'api-service-7d9f-abcde');
  assert.equal(attributes['k8s.pod.name'], 'api-service-7d9f-abcde');
  assert.equal(attributes['k8s.node.name'], 'node-1');
  assert.equal(attributes['deployment.environment.name'], 'local');
});

test('oversized attribute values are truncated to the configured limit', async () => {
  const { telemetry, spans } = start({ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '16' });
  const span = telemetry.tracer.startSpan('op');
  span.setAttribute('db.query.text', 'SELECT * FROM api_keys WHERE hash = $1');
  span.end();
  await telemetry.forceFlush();
  assert.equal(spans.getFinishedSpans()[0]!.attributes['db.query.text'], 'SELECT * FROM ap');
});

test('ratio 0: nothing is exported, yet log lines still carry a trace id to correlate with', async () => {
  const { telemetry, spans, logs } = start({}, { sampleRatio: 0 });
  telemetry.tracer.startActiveSpan('op', (span) => {
    telemetry.logger.info('inside');
    assert.equal(span.isRecording(), false);
    span.end();
  });
  await telemetry.forceFlush();
  assert.equal(spans.getFinishedSpans().length, 0);
  assert.match(String(logs.records()[0]!.trace_id), /^[0-9a-f]{32}$/);
});

test('a sampled parent is followed even at ratio 0 (parent-based)', async () => {
  const { telemetry, spans } = start({}, { sampleRatio: 0 });
  const parent = trace.setSpanContext(context.active(), {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: 1,
    isRemote: true,
  });
  telemetry.tracer.startSpan('child', {}, parent).end();
  await telemetry.forceFlush();
  assert.equal(spans.getFinishedSpans().length, 1);
});

test('one instance per process: the same service gets it back, another service is refused; shutdown releases it', async () => {
  const { telemetry } = start({});
  assert.equal(initTelemetry({ service: 'api-service', handleSignals: false }), telemetry);
  assert.equal(getTelemetry(), telemetry);
  assert.throws(() => initTelemetry({ service: 'other', handleSignals: false }), /already initialized/);
  await telemetry.shutdown();
  await telemetry.shutdown();
  assert.throws(() => getTelemetry(), /initTelemetry\(\) has not been called/);
  current = undefined;
});

test('SIGTERM and SIGINT handlers are installed by default and removed at shutdown', async () => {
  const before = process.listenerCount('SIGTERM');
  current = initTelemetry({
    service: 'signals',
    logDestination: new LineCapture(),
    env: { OTEL_TRACES_EXPORTER: 'none' },
  });
  assert.equal(process.listenerCount('SIGTERM'), before + 1);
  assert.equal(process.listenerCount('SIGINT'), 1);
  await current.shutdown();
  assert.equal(process.listenerCount('SIGTERM'), before);
  current = undefined;
});
