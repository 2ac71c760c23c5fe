import assert from 'node:assert/strict';
import { test } from 'node:test';
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
  assert.equal(e.level, 'ERROR');
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
