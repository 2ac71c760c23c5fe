import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  compileRegex,
  labelMatcher,
  MATCH_OPS,
  matchesLabel,
  matchesLabels,
  RegexSyntaxError,
} from '@opsight/contracts/codecs';

test('equality and inequality compare the whole value; a missing label is empty', () => {
  assert.equal(matchesLabel(labelMatcher('app', '=', 'api'), 'api'), true);
  assert.equal(matchesLabel(labelMatcher('app', '=', 'api'), 'api-service'), false);
  assert.equal(matchesLabel(labelMatcher('app', '!=', 'api'), 'api-service'), true);
  assert.equal(matchesLabel(labelMatcher('app', '=', ''), undefined), true);
  assert.equal(matchesLabel(labelMatcher('app', '!=', ''), undefined), false);
});

test('regex matchers are anchored at both ends', () => {
  assert.equal(matchesLabel(labelMatcher('app', '=~', 'api'), 'api-service'), false);
  assert.equal(matchesLabel(labelMatcher('app', '=~', 'api.*'), 'api-service'), true);
  assert.equal(matchesLabel(labelMatcher('app', '=~', 'a|b'), 'b'), true);
  assert.equal(matchesLabel(labelMatcher('app', '!~', 'api.*'), 'router'), true);
  assert.equal(matchesLabel(labelMatcher('app', '!~', 'api.*'), 'api'), false);
  assert.equal(matchesLabel(labelMatcher('app', '=~', '.+'), undefined), false);
});

test('a matcher built by hand compiles its regex when first used', () => {
  assert.equal(matchesLabel({ name: 'level', op: '=~', value: 'WARN|ERROR' }, 'ERROR'), true);
});

test('a label set matches when every matcher does', () => {
  const ms = [labelMatcher('app', '=', 'api'), labelMatcher('level', '=~', 'WARN|ERROR')];
  assert.equal(matchesLabels(ms, { app: 'api', level: 'ERROR' }), true);
  assert.equal(matchesLabels(ms, { app: 'api', level: 'INFO' }), false);
  assert.equal(matchesLabels([], {}), true);
  assert.deepEqual(MATCH_OPS, ['=', '!=', '=~', '!~']);
});

test('RE2 semantics: no backreferences, no lookaround; the error names the source', () => {
  for (const bad of ['(a', '(a)\\1', '(?=a)', '[z-a]']) {
    assert.throws(
      () => labelMatcher('app', '=~', bad),
      (e: Error) =>
        e instanceof RegexSyntaxError && e.source === bad && e.message.includes(JSON.stringify(bad)),
    );
  }
  assert.doesNotThrow(() => labelMatcher('app', '=', '(a'));
});

test('unanchored regexes find a match anywhere, as line filters use them', () => {
  assert.equal(compileRegex('err', false).test('an error here'), true);
  assert.equal(compileRegex('err', true).test('an error here'), false);
});
