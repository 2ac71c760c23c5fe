import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRegex } from '../../../src/internal/logql/parse.js';
import { requiredLiteral } from '../../../src/internal/logql/regex-literal.js';

test('the longest literal run every match contains', () => {
  const cases: Array<[string, string | undefined]> = [
    ['error', 'error'],
    ['request d.ne', 'request d'],
    ['"status":5\\d\\d', '"status":5'],
    ['late\\.?ncy=\\d+ms', 'late'],
    ['ab+c', 'ab'],
    ['abc?', 'ab'],
    ['abcd*e', 'abc'],
    ['x\\.y\\.z', 'x.y.z'],
    ['^GET /v1/', 'GET /v1/'],
    ['[0-9]+ bytes$', ' bytes'],
    ['[a\\]b]xyz', 'xyz'],
    ['foo(?:bar)+baz', 'foo'],
    ['\\bword\\b', 'word'],
  ];
  for (const [source, want] of cases) assert.equal(requiredLiteral(source), want, source);
});

test('none where a match may lack every literal, or the reader does not follow the construct', () => {
  for (const source of [
    'error|warn',
    '(?i)error',
    'a{2}b',
    'x{0,1}yz',
    '\\Qa.b\\E',
    '\\x41BC',
    '\\pLabc',
    'ça va',
    '.*',
    '[abc]',
    'a?',
    '*abc',
    'abc\\',
  ]) {
    assert.equal(requiredLiteral(source), undefined, source);
  }
});

test('every line the regex matches contains the literal', () => {
  const lines = [
    'request done in 5ms',
    'request dune',
    'latency=15ms',
    'late.ncy=3ms',
    '{"status":503}',
    'GET /v1/models',
    'abbbc',
    'ac',
    'x.y.z',
    'xAyBz',
    '12 bytes',
  ];
  for (const source of [
    'request d.ne',
    'late\\.?ncy=\\d+ms',
    '"status":5\\d\\d',
    'ab+c',
    'x\\.y\\.z',
    '[0-9]+ bytes$',
  ]) {
    const re = compileRegex(source, false);
    const needle = requiredLiteral(source)!;
    for (const line of lines) if (re.test(line)) assert.ok(line.includes(needle), `${source} on ${line}`);
  }
});
