import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import {
  DISCARD_REASONS,
  interpretPush,
  parseRetryAfter,
} from '../../../src/internal/collector/push-outcome.js';
import { StreamSender } from '../../../src/internal/collector/stream-sender.js';

const A = '{app="a", level="INFO"}';
const B = '{app="b"}';
const kinds = (r: ReturnType<typeof interpretPush>) =>
  r.outcomes.map((s) =>
    s.map((o) => (o.kind === 'ack' ? 'ack' : o.kind === 'drop' ? `drop:${o.reason}` : `retry:${o.why}`)),
  );

test('2xx acknowledges every entry; 5xx and network errors retry every entry, with Retry-After', () => {
  const streams = [
    { labels: A, count: 2 },
    { labels: B, count: 1 },
  ];
  assert.deepEqual(kinds(interpretPush(streams, 204, '', null)), [['ack', 'ack'], ['ack']]);
  const r = interpretPush(streams, 503, '{"code":"STORAGE_FULL"}', '7');
  assert.deepEqual(kinds(r), [['retry:unavailable', 'retry:unavailable'], ['retry:unavailable']]);
  assert.equal(r.retryAfterMs, 7000);
  assert.deepEqual(kinds(interpretPush(streams, undefined, 'ECONNREFUSED', null))[1], ['retry:unavailable']);
  // Configuration errors are not the entries' fault: retried, never dropped.
  assert.deepEqual(kinds(interpretPush(streams, 401, '{"code":"UNAUTHORIZED"}', null))[0], [
    'retry:unavailable',
    'retry:unavailable',
  ]);
});

test('400: the entries and streams the body names are dropped with their reason, the rest was stored', () => {
  const body = {
    code: 'LINE_TOO_LONG',
    errors: [
      { code: 'LINE_TOO_LONG', field: 'streams[0].values[1]', message: 'too long' },
      { code: 'TIMESTAMP_TOO_OLD', field: 'streams[0].values[2]', message: 'too old' },
      { code: 'LABEL_VALUE_TOO_LONG', field: 'streams[1].labels', message: 'bad label' },
    ],
  };
  const r = interpretPush(
    [
      { labels: A, count: 4 },
      { labels: B, count: 2 },
      { labels: '{app="c"}', count: 1 },
    ],
    400,
    JSON.stringify(body),
    null,
  );
  assert.deepEqual(kinds(r), [
    ['ack', 'drop:line_too_long', 'drop:greater_than_max_sample_age', 'ack'],
    ['drop:label_value_too_long', 'drop:label_value_too_long'],
    ['ack'],
  ]);
});

test('400: a list cut at 100 errors re-sends the unnamed entries; a 400 naming nothing drops the push', () => {
  const errors = Array.from({ length: 100 }, (_, j) => ({
    code: 'LINE_TOO_LONG',
    field: `streams[0].values[${j}]`,
    message: 'too long',
  }));
  const r = interpretPush([{ labels: A, count: 150 }], 400, JSON.stringify({ errors }), null);
  const k = kinds(r)[0]!;
  assert.equal(k.filter((x) => x === 'drop:line_too_long').length, 100);
  assert.equal(k.filter((x) => x === 'retry:resend').length, 50);
  assert.deepEqual(
    kinds(interpretPush([{ labels: A, count: 2 }], 400, '{"code":"INVALID_PROTOBUF"}', null)),
    [['drop:invalid_protobuf', 'drop:invalid_protobuf']],
  );
});

test('429: the stream limit refuses the named stream only; the rate limit refuses everything', () => {
  const body = {
    code: 'STREAM_LIMIT',
    errors: [
      {
        code: 'STREAM_LIMIT',
        field: 'streams',
        message: `Maximum active stream limit exceeded when trying to create stream ${B}, reduce the number of active streams`,
      },
    ],
  };
  const streams = [
    { labels: A, count: 2 },
    { labels: B, count: 2 },
  ];
  assert.deepEqual(kinds(interpretPush(streams, 429, JSON.stringify(body), null)), [
    ['ack', 'ack'],
    ['retry:stream_limit', 'retry:stream_limit'],
  ]);
  // A stream-limit error naming no stream we sent: every entry is retried (stored ones are kept once).
  const vague = { errors: [{ code: 'STREAM_LIMIT', field: 'streams', message: 'limit' }] };
  assert.deepEqual(kinds(interpretPush(streams, 429, JSON.stringify(vague), null))[0], [
    'retry:stream_limit',
    'retry:stream_limit',
  ]);
  const rate = { errors: [{ code: 'RATE_LIMITED', field: 'streams', message: 'rate' }] };
  const r = interpretPush(streams, 429, JSON.stringify(rate), '2');
  assert.deepEqual(kinds(r)[1], ['retry:rate_limited', 'retry:rate_limited']);
  assert.equal(r.retryAfterMs, 2000);
  assert.deepEqual(kinds(interpretPush(streams, 413, '', null))[0], ['retry:too_large', 'retry:too_large']);
});

test('Retry-After: seconds or an HTTP date', () => {
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4000), 6000);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(null), undefined);
});

test('the drop counter is exported at 0 for every discard reason before any drop', async () => {
  const registry = new Registry();
  new StreamSender({ url: 'http://127.0.0.1:9', registry });
  const text = await registry.metrics();
  for (const reason of ['line_too_long', 'stream_limit', 'rate_limited', 'greater_than_max_sample_age'])
    assert.match(
      text,
      new RegExp(`^opsight_collector_entries_dropped_total\\{reason="${reason}"\\} 0$`, 'm'),
    );
  assert.ok(DISCARD_REASONS.includes('too_far_in_future'));
  assert.equal(new Set(DISCARD_REASONS).size, DISCARD_REASONS.length);
});
