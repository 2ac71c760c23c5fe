import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { LOG_FIELDS, LOG_LEVELS } from '@opsight/catalog';
import pino from 'pino';
import { newRequestContext, withRequestContext } from '../../src/context/request-context.js';
import { createLogger, parseLogLevel } from '../../src/logging/logger.js';
import { LineCapture } from '../../src/testing.js';

before(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
after(() => {
  context.disable();
});

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function assertSchema(record: Record<string, unknown>): void {
  for (const field of LOG_FIELDS) {
    const value = record[field.name];
    if (field.presence === 'always') assert.notEqual(value, undefined, `missing ${field.name}`);
    if (value !== undefined)
      assert.equal(typeof value, field.type === 'integer' ? 'number' : field.type, field.name);
  }
  assert.match(record.timestamp as string, TIMESTAMP);
  assert.ok((LOG_LEVELS as readonly string[]).includes(record.level as string), String(record.level));
  assert.equal(record.msg, undefined);
  assert.equal(record.time, undefined);
}

test('lines written to a real file have the strategy fields, first and in order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-log-'));
  try {
    const file = join(dir, 'out.log');
    const destination = pino.destination({ dest: file, sync: false, minLength: 1 });
    await once(destination, 'ready');
    const logger = createLogger({ service: 'model-router', level: 'debug', destination });
    logger.debug('starting');
    logger.info({ model_name: 'gpt-4o', latency_ms: 15 }, 'Routing request to model %s', 'gpt-4o');
    logger.warn('slow');
    logger.error(new Error('upstream failed'), 'call failed');
    await new Promise<void>((resolve) => destination.flush(() => resolve()));
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 4);
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const r of records) assertSchema(r);
    assert.deepEqual(
      records.map((r) => r.level),
      ['DEBUG', 'INFO', 'WARN', 'ERROR'],
    );
    const routed = records[1]!;
    assert.deepEqual(Object.keys(routed), [
      'timestamp',
      'level',
      'service',
      'message',
      'model_name',
      'latency_ms',
    ]);
    assert.equal(routed.service, 'model-router');
    assert.equal(routed.message, 'Routing request to model gpt-4o');
    assert.equal(routed.latency_ms, 15);
    const failed = records[3]!;
    assert.equal(failed.message, 'call failed');
    assert.equal((failed.error as Record<string, unknown>).type, 'Error');
    assert.equal((failed.error as Record<string, unknown>).message, 'upstream failed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('trace_id, span_id and request_id come from the active context without being passed', () => {
  const capture = new LineCapture();
  const logger = createLogger({ service: 'api-service', destination: capture });
  const spanContext = {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: 1,
  };
  const request = newRequestContext('req-550e8400');
  const ctx = withRequestContext(trace.setSpanContext(context.active(), spanContext), request);
  context.with(ctx, () => {
    logger.info('in request');
    request.userId = '123';
    logger.info({ status: 200 }, 'done');
  });
  logger.info('outside');
  const [inside, done, outside] = capture.records();
  assert.deepEqual(Object.keys(inside!), [
    'timestamp',
    'level',
    'service',
    'message',
    'trace_id',
    'span_id',
    'request_id',
  ]);
  assert.equal(inside!.trace_id, spanContext.traceId);
  assert.equal(inside!.span_id, spanContext.spanId);
  assert.equal(inside!.request_id, 'req-550e8400');
  assert.equal(done!.user_id, '123');
  assert.equal(done!.status, 200);
  assert.equal(outside!.trace_id, undefined);
  assert.equal(outside!.request_id, undefined);
});

test('child loggers add their bindings; reserved names cannot overwrite the strategy fields', () => {
  const capture = new LineCapture();
  const logger = createLogger({ service: 'svc', destination: capture });
  const child = logger.child({ component: 'router', service: 'spoofed', level: 'ERROR' });
  child.child({ attempt: 2 }).info({ timestamp: 'yesterday', message: 'x' }, 'hello');
  const [line] = capture.lines;
  const record = JSON.parse(line!) as Record<string, unknown>;
  assert.equal(record.service, 'svc');
  assert.equal(record.level, 'INFO');
  assert.equal(record.message, 'hello');
  assert.equal(record.component, 'router');
  assert.equal(record.attempt, 2);
  assert.equal(record.event_service, 'spoofed');
  assert.equal(record.event_level, 'ERROR');
  assert.equal(record.event_timestamp, 'yesterday');
  // No key appears twice in the raw line.
  for (const key of ['service', 'level', 'timestamp', 'message']) {
    assert.equal(line!.split(`"${key}":`).length, 2, key);
  }
});

test('control characters in messages, values and keys cannot forge a second line', () => {
  const capture = new LineCapture();
  const logger = createLogger({ service: 'svc', destination: capture });
  const forged =
    'ok\n{"timestamp":"2020-01-01T00:00:00.000Z","level":"ERROR","service":"svc","message":"forged"}';
  logger.info(forged);
  logger.info({ value: forged, 'k\n{"level":"ERROR"}': 1 }, 'fields');
  logger.info({ nested: { deep: `\r\n\u0000\u001b[31m${forged}` } }, 'nested');
  assert.equal(capture.lines.length, 3);
  const records = capture.records();
  assert.equal(records[0]!.message, forged);
  assert.equal(records[1]!.value, forged);
  assert.equal((records[2]!.nested as Record<string, string>).deep!.endsWith(forged), true);
});

test('levels below the configured one are not written; level names are validated', () => {
  const capture = new LineCapture();
  const logger = createLogger({ service: 'svc', level: 'warn', destination: capture });
  logger.debug('no');
  logger.info('no');
  logger.warn('yes');
  logger.error('yes');
  assert.deepEqual(
    capture.records().map((r) => r.level),
    ['WARN', 'ERROR'],
  );
  assert.equal(parseLogLevel('DEBUG', 'LOG_LEVEL'), 'debug');
  assert.throws(() => parseLogLevel('verbose', 'LOG_LEVEL'), /invalid LOG_LEVEL="verbose"/);
});

test('long values are truncated to the configured limit; odd values are written safely', () => {
  const capture = new LineCapture();
  const logger = createLogger({ service: 'svc', destination: capture, maxFieldLength: 16 });
  const cyclic: Record<string, unknown> = { name: 'a' };
  cyclic.self = cyclic;
  logger.info(
    { long: 'x'.repeat(100), big: 10n, when: new Date(0), buf: Buffer.from('abc'), cyclic, fn: () => 1 },
    'odd',
  );
  const [record] = capture.records();
  assert.match(record!.long as string, /^x{16}…\[truncated 84 chars\]$/);
  assert.equal(record!.big, '10');
  assert.equal(record!.when, '1970-01-01T00:00:00.000Z');
  assert.equal(record!.buf, '[binary 3 bytes]');
  assert.equal((record!.cyclic as Record<string, unknown>).self, '[Truncated]');
  assert.equal(record!.fn, undefined);
});
