import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAccessLogLine } from '../../src/access-log/access-log-line.js';
import { accessLogLine } from '../support/access-log-fixture.js';

test('a line of the gateway format parses into its fields', () => {
  const { text, traceId } = accessLogLine({ msec: 1764140400.123, uri: '/v1/models?x=1', status: 404 });
  const r = parseAccessLogLine(text.trimEnd());
  assert.ok(r.ok);
  assert.equal(r.entry.traceId, traceId);
  assert.equal(r.entry.spanId, traceId.slice(0, 16));
  assert.equal(r.entry.endMs, 1764140400123);
  assert.equal(r.entry.status, 404);
  assert.equal(r.entry.uri, '/v1/models?x=1');
  assert.equal(r.entry.requestLength, 300);
  assert.equal(r.entry.bytesSent, 700);
  assert.equal(r.entry.requestTime, 0.042);
  assert.equal(r.entry.upstreamResponseTime, 0.041);
});

test('upstream times: retries are summed, none is undefined', () => {
  const parse = (v: string) => {
    const r = parseAccessLogLine(accessLogLine({ upstream_response_time: v }).text);
    assert.ok(r.ok);
    return r.entry.upstreamResponseTime;
  };
  assert.equal(parse('0.002, 0.004')?.toFixed(3), '0.006');
  assert.equal(parse('-'), undefined);
  assert.equal(parse(''), undefined);
});

test('bad lines are refused with a reason and the field', () => {
  const cases: [string, string, string?][] = [
    ['{"trace_id": "abc"', 'invalid_json'],
    ['[1,2]', 'invalid_json'],
    ['null', 'invalid_json'],
    ['', 'invalid_json'],
    [accessLogLine({ trace_id: 'xyz' }).text, 'invalid_field', 'trace_id'],
    [accessLogLine({ trace_id: '0'.repeat(32), span_id: '1'.repeat(16) }).text, 'invalid_field', 'trace_id'],
    [accessLogLine({ span_id: 'abc' }).text, 'invalid_field', 'span_id'],
    [accessLogLine({ status: '200' }).text, 'invalid_field', 'status'],
    [accessLogLine({ status: 42 }).text, 'invalid_field', 'status'],
    [accessLogLine({ bytes_sent: -1 }).text, 'invalid_field', 'bytes_sent'],
    [accessLogLine({ request_time: undefined }).text, 'invalid_field', 'request_time'],
    [accessLogLine({ msec: 'now' }).text, 'invalid_field', 'msec'],
    [accessLogLine({ host: 5 }).text, 'invalid_field', 'host'],
  ];
  for (const [line, reason, field] of cases) {
    const r = parseAccessLogLine(line.trimEnd());
    assert.equal(r.ok, false, line);
    if (!r.ok) {
      assert.equal(r.reason, reason, line);
      assert.equal(r.field, field, line);
    }
  }
});
