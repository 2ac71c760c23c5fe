import assert from 'node:assert/strict';
import { test } from 'node:test';
import { criLineHead, parseCriLine } from '@opsight/contracts/codecs';

const T = 1_795_680_000_123_456_789n;

test('a CRI line parses into time, stream, tag and content', () => {
  assert.deepEqual(parseCriLine('2026-11-26T08:00:00.123456789Z stdout F hello world'), {
    ts: T,
    stream: 'stdout',
    partial: false,
    content: 'hello world',
  });
  assert.deepEqual(parseCriLine('2026-11-26T08:00:00.123456789Z stderr P  spaced '), {
    ts: T,
    stream: 'stderr',
    partial: true,
    content: ' spaced ',
  });
});

test('a chunk with empty content may end at its tag', () => {
  assert.equal(parseCriLine('2026-11-26T08:00:00.123456789Z stdout F')?.content, '');
  assert.equal(parseCriLine('2026-11-26T08:00:00.123456789Z stdout F ')?.content, '');
});

test('lines that are not CRI lines give undefined', () => {
  for (const bad of [
    '',
    'plain text',
    '{"level":"INFO"}',
    '2026-11-26T08:00:00Z stdout',
    'yesterday stdout F x',
    '2026-11-26T08:00:00Z stdin F x',
    '2026-11-26T08:00:00Z stdout X x',
    '2026-11-26T08:00:00Z stdout FF x',
  ]) {
    assert.equal(parseCriLine(bad), undefined, bad);
  }
});

test('the head a writer puts before the content reads back', () => {
  const head = criLineHead(T, 'stderr', true);
  assert.equal(head, '2026-11-26T08:00:00.123456789Z stderr P ');
  assert.deepEqual(parseCriLine(`${head}chunk`), {
    ts: T,
    stream: 'stderr',
    partial: true,
    content: 'chunk',
  });
  assert.equal(parseCriLine(`${criLineHead(T, 'stdout', false)}x`)?.partial, false);
});
