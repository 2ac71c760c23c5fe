import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCriLine, parseRfc3339Nano } from '@opsight/contracts/codecs';
import { PartialJoiner } from '../../../src/internal/collector/cri.js';

test('parses CRI lines with nanosecond timestamps, streams and tags', () => {
  const l = parseCriLine('2026-11-26T06:00:00.123456789Z stdout F hello world');
  assert.deepEqual(l, { ts: 1795672800123456789n, stream: 'stdout', partial: false, content: 'hello world' });
  assert.equal(parseCriLine('2026-11-26T06:00:00Z stderr P part')?.partial, true);
  assert.equal(parseCriLine('2026-11-26T06:00:00Z stdout F')?.content, '');
  assert.equal(parseCriLine('2026-11-26T06:00:00+01:00 stdout F x')?.ts, 1795669200000000000n);
  assert.equal(parseCriLine('not a cri line'), undefined);
  assert.equal(parseCriLine('2026-11-26T06:00:00Z stdin F x'), undefined);
  assert.equal(parseCriLine('2026-11-26T06:00:00Z stdout X x'), undefined);
  assert.equal(parseRfc3339Nano('2026-11-26 06:00:00'), null);
});

test('P chunks are joined with the following chunks up to the next F, per stream', () => {
  const j = new PartialJoiner();
  const at = (s: string) => parseCriLine(s)!;
  assert.equal(j.push(at('2026-11-26T06:00:00Z stdout P {"a":')), undefined);
  assert.deepEqual(j.push(at('2026-11-26T06:00:01Z stderr F other')), {
    ts: 1795672801000000000n,
    line: 'other',
  });
  assert.equal(j.push(at('2026-11-26T06:00:02Z stdout P "b')), undefined);
  assert.ok(j.hasPending());
  assert.deepEqual(j.push(at('2026-11-26T06:00:03Z stdout F c"}')), {
    ts: 1795672800000000000n,
    line: '{"a":"bc"}',
  });
  assert.ok(!j.hasPending());
});
