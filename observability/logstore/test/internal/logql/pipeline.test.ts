// The parsers' label set when the caller names the labels it reads: exactly those labels of the full set.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Stage } from '../../../src/internal/logql/ast.js';
import { compilePipeline } from '../../../src/internal/logql/pipeline.js';

const LINES = [
  '{"path":"/a","latency_ms":12,"user":{"id":"u1","tier":{"name":"pro"}},"tags":[1,{"x":2}],"ok":true,"n":null}',
  '{"latency_ms":1.50,"path":"/b","lat-ency":"7","1st":"one","_1st":"under"}',
  '{"user_id":"top","user":{"id":"nested"}}',
  '{"user":{"id":"nested"},"user_id":"top"}',
  '{"app":"from-line","latency_ms":1e3}',
  '{"a":1,"a":{"b":2}}',
  '{"path":"/c", "latency_ms" : -0 }',
  '{"path":"\\u002fescaped","latency_ms":"12"}',
  '{"path":"/d",latency_ms:1}',
  '[1,2]',
  'not json',
  '',
];

const WANTS = [
  ['path', 'latency_ms'],
  ['user_id'],
  ['user_tier_name', 'n', 'ok'],
  ['lat_ency', '_1st'],
  ['app_extracted'],
  ['a', 'a_b'],
  ['tags'],
];

test('| json with the wanted labels sets exactly the wanted part of the full label set', () => {
  const stages: Stage[] = [{ kind: 'json' }];
  const full = compilePipeline(stages);
  for (const want of WANTS) {
    const some = compilePipeline(stages, new Set(want));
    for (const line of LINES) {
      const input = { ts: 1n, line, streamLabels: { app: 'x' } };
      const all = full(input)!.labels;
      const got = some(input)!.labels;
      const expected: Record<string, string> = { app: 'x' };
      for (const k of [...want, '__error__', '__error_details__'])
        if (all[k] !== undefined) expected[k] = all[k]!;
      assert.deepEqual(got, expected, `${want.join(',')} of ${line}`);
    }
  }
});
