import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOG_SHIPPING } from '@opsight/catalog';
import { processLine } from '../../../src/internal/collector/entry-pipeline.js';

test('JSON lines: level becomes a label, trace_id/request_id/user_id metadata, time from timestamp', () => {
  const line = JSON.stringify({
    timestamp: '2026-11-26T06:00:00.250Z',
    level: 'ERROR',
    service: 'model-router',
    message: 'boom',
    trace_id: 'abc-123-xyz-789',
    span_id: 's1',
    request_id: 'r-1',
    user_id: 'u-1',
  });
  const e = processLine(1n, line);
  assert.deepEqual(e.labels, { level: 'ERROR' });
  assert.deepEqual(e.metadata, { trace_id: 'abc-123-xyz-789', request_id: 'r-1', user_id: 'u-1' });
  assert.equal(e.ts, 1795672800250000000n);
  assert.equal(e.line, line);
});

test('non-JSON lines and JSON without the fields pass through with the CRI time', () => {
  assert.deepEqual(processLine(5n, 'plain text'), { ts: 5n, line: 'plain text' });
  assert.deepEqual(processLine(5n, '{"message":"x","timestamp":"yesterday"}'), {
    ts: 5n,
    line: '{"message":"x","timestamp":"yesterday"}',
  });
  assert.deepEqual(processLine(5n, '{broken'), { ts: 5n, line: '{broken' });
});

test('the pipeline follows the catalog rule: its label fields, its metadata fields, nothing else', () => {
  const doc: Record<string, unknown> = { message: 'x', span_id: 's1', model_name: 'gpt-4o' };
  for (const f of LOG_SHIPPING.fieldLabels) doc[f] = `label-${f}`;
  for (const f of LOG_SHIPPING.structuredMetadata) doc[f] = `md-${f}`;
  const e = processLine(1n, JSON.stringify(doc));
  assert.deepEqual(e.labels, Object.fromEntries(LOG_SHIPPING.fieldLabels.map((f) => [f, `label-${f}`])));
  assert.deepEqual(
    e.metadata,
    Object.fromEntries(LOG_SHIPPING.structuredMetadata.map((f) => [f, `md-${f}`])),
  );
});

test('numeric ids are kept as metadata text; empty or non-text values are left out', () => {
  const e = processLine(1n, JSON.stringify({ level: 7, user_id: 123, request_id: '', trace_id: null }));
  assert.equal(e.labels, undefined);
  assert.deepEqual(e.metadata, { user_id: '123' });
});
