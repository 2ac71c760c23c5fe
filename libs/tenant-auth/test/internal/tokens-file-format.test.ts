import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTokensFile, parseTokensFile, TokensFileError } from '../../src/internal/tokens-file-format.js';

test('reads tenant/token pairs, skipping comments and blank lines; several tokens per tenant', () => {
  const text =
    '# tokens\n\nteam-a  aaaaaaaaaaaaaaaa1\n\tteam-a\tAAAAAAAAAAAAAAAA2  \r\nteam-b bbbbbbbbbbbbbbbb\n';
  assert.deepEqual(parseTokensFile(text), [
    { tenant: 'team-a', token: 'aaaaaaaaaaaaaaaa1' },
    { tenant: 'team-a', token: 'AAAAAAAAAAAAAAAA2' },
    { tenant: 'team-b', token: 'bbbbbbbbbbbbbbbb' },
  ]);
  const round = [{ tenant: 'x', token: 'xxxxxxxxxxxxxxxxxxxx' }];
  assert.deepEqual(parseTokensFile(formatTokensFile(round, 'header\nsecond line')), round);
});

test('a malformed line is refused with the file and line number', () => {
  const cases: Array<[string, RegExp]> = [
    ['ok aaaaaaaaaaaaaaaaaaaa\nonly-one-field\n', /^f:2: expected "<tenant> <token>", got 1 field/],
    ['a b c\n', /^f:1: expected .* got 3 field/],
    ['bad|tenant aaaaaaaaaaaaaaaaaaaa\n', /^f:1: tenant "bad\|tenant" has characters/],
    ['#\nt short\n', /^f:2: the token of tenant "t" is shorter than 16/],
    ['a aaaaaaaaaaaaaaaaaaaa\nb aaaaaaaaaaaaaaaaaaaa\n', /^f:2: .* already the token of tenant "a"/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseTokensFile(text, 'f'),
      (e: unknown) => e instanceof TokensFileError && message.test(e.message),
      text,
    );
  }
});
