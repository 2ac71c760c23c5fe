import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRfc3339Nano } from '../../../src/internal/query/rfc3339.js';

describe('parseRfc3339Nano', () => {
  it('keeps nanosecond fractions and offsets', () => {
    assert.equal(parseRfc3339Nano('1970-01-01T00:00:01.000000001Z'), 1_000_000_001n);
    assert.equal(parseRfc3339Nano('1970-01-01T01:00:00+01:00'), 0n);
    assert.equal(parseRfc3339Nano('2026-11-26T08:00:00.5Z'), 1_795_680_000_500_000_000n);
  });

  it('refuses other formats', () => {
    for (const text of ['2026-11-26', '2026-11-26T08:00:00', 'yesterday', '2026-13-45T99:00:00Z']) {
      assert.equal(parseRfc3339Nano(text), null, text);
    }
  });
});
