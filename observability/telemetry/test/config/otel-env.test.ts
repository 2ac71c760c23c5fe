import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readOtelEnv } from '../../src/config/otel-env.js';
import { TelemetryConfigError } from '../../src/config/telemetry-config-error.js';
import { initTelemetry } from '../../src/telemetry.js';

test('defaults: parent-based always-on, OTLP/HTTP to localhost:4318, W3C trace context and baggage', () => {
  const config = readOtelEnv({});
  assert.equal(config.sampler, 'parentbased_always_on');
  assert.equal(config.tracesEndpoint, 'http://localhost:4318/v1/traces');
  assert.deepEqual(config.propagators, ['tracecontext', 'baggage']);
  assert.equal(config.maxQueueSize, 2048);
});

test('standard variables are read', () => {
  const config = readOtelEnv({
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/',
    OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=a%20b,authorization=Basic%20eA==',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.1',
    OTEL_BSP_MAX_QUEUE_SIZE: '100',
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '10',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=local,k8s.cluster.name=kind',
  });
  assert.equal(config.tracesEndpoint, 'http://127.0.0.1:4318/v1/traces');
  assert.deepEqual(config.headers, { 'x-tenant': 'a b', authorization: 'Basic eA==' });
  assert.equal(config.samplerRatio, 0.1);
  assert.equal(config.maxExportBatchSize, 10);
  assert.equal(config.resourceAttributes['k8s.cluster.name'], 'kind');
  assert.equal(
    readOtelEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/custom' }).tracesEndpoint,
    'http://collector:4318/custom',
  );
});

test('every invalid value is a startup error naming the variable and the value', () => {
  const cases: [string, string][] = [
    ['OTEL_TRACES_SAMPLER', 'sometimes'],
    ['OTEL_TRACES_SAMPLER_ARG', '1.5'],
    ['OTEL_TRACES_SAMPLER_ARG', 'abc'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'not a url'],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'ftp://x/'],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc'],
    ['OTEL_EXPORTER_OTLP_TIMEOUT', '-5'],
    ['OTEL_BSP_MAX_QUEUE_SIZE', '1e3x'],
    ['OTEL_BSP_SCHEDULE_DELAY', '1.5'],
    ['OTEL_PROPAGATORS', 'b3'],
    ['OTEL_TRACES_EXPORTER', 'zipkin'],
    ['OTEL_SDK_DISABLED', 'yes'],
    ['OTEL_RESOURCE_ATTRIBUTES', 'novalue'],
    ['OTEL_EXPORTER_OTLP_HEADERS', 'a=%zz'],
    ['OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', '0'],
  ];
  for (const [variable, value] of cases) {
    assert.throws(
      () => readOtelEnv({ [variable]: value }),
      (error: unknown) => {
        assert.ok(error instanceof TelemetryConfigError, variable);
        assert.equal(error.variable, variable);
        assert.equal(error.value, value);
        assert.ok(
          error.message.includes(variable) && error.message.includes(JSON.stringify(value)),
          error.message,
        );
        return true;
      },
    );
  }
  assert.throws(
    () => readOtelEnv({ OTEL_BSP_MAX_QUEUE_SIZE: '10', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '20' }),
    /OTEL_BSP_MAX_EXPORT_BATCH_SIZE="20"/,
  );
});

test('initTelemetry fails at startup on an invalid variable or option, and starts nothing', () => {
  assert.throws(
    () => initTelemetry({ service: 'svc', handleSignals: false, env: { OTEL_TRACES_SAMPLER_ARG: 'half' } }),
    /invalid OTEL_TRACES_SAMPLER_ARG="half"/,
  );
  assert.throws(
    () => initTelemetry({ service: 'svc', handleSignals: false, env: {}, sampleRatio: 2 }),
    /sampleRatio/,
  );
  assert.throws(() => initTelemetry({ service: 'bad name!', handleSignals: false, env: {} }), /service/);
  assert.throws(
    () => initTelemetry({ service: 'svc', handleSignals: false, env: { LOG_LEVEL: 'loud' } }),
    /invalid LOG_LEVEL="loud"/,
  );
  assert.equal(process.listenerCount('SIGTERM'), 0);
});
