import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGoDuration } from '../../../src/internal/query/go-duration.js';

describe('parseGoDuration', () => {
  it('reads Go duration text into nanoseconds', () => {
    assert.equal(parseGoDuration('0'), 0n);
    assert.equal(parseGoDuration('1.5s'), 1_500_000_000n);
    assert.equal(parseGoDuration('300ms'), 300_000_000n);
    assert.equal(parseGoDuration('2h45m'), 9_900_000_000_000n);
    assert.equal(parseGoDuration('500us'), 500_000n);
    assert.equal(parseGoDuration('500µs'), 500_000n);
    assert.equal(parseGoDuration('7ns'), 7n);
    assert.equal(parseGoDuration('-1s'), -1_000_000_000n);
  });

  it('refuses text that is not a duration', () => {
    for (const text of ['', '10', 'fast', '1x', 's', '1.2.3s'])
      assert.equal(parseGoDuration(text), null, text);
  });
});
