import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { criticalPath } from '../../../src/internal/analysis/critical-path.js';
import { buildSpanTree, type TreeSpanInput } from '../../../src/internal/analysis/span-tree.js';

function span(spanId: string, parentSpanId: string | null, startNs: bigint, endNs: bigint): TreeSpanInput {
  return { spanId, parentSpanId, service: 's', name: spanId, startNs, endNs };
}

function path(spans: TreeSpanInput[]): [string, number, number][] {
  return criticalPath(buildSpanTree(spans).roots).map((s) => [s.spanId, Number(s.startNs), Number(s.endNs)]);
}

describe('criticalPath', () => {
  it('follows sequential children and gives the gaps to the parent', () => {
    assert.deepEqual(path([span('r', null, 0n, 100n), span('a', 'r', 10n, 40n), span('b', 'r', 50n, 90n)]), [
      ['r', 0, 10],
      ['a', 10, 40],
      ['r', 40, 50],
      ['b', 50, 90],
      ['r', 90, 100],
    ]);
  });

  it('takes the child that finishes last among overlapping children, and descends into it', () => {
    assert.deepEqual(
      path([
        span('r', null, 0n, 100n),
        span('fast', 'r', 10n, 30n),
        span('slow', 'r', 5n, 80n),
        span('leaf', 'slow', 20n, 70n),
      ]),
      [
        ['r', 0, 5],
        ['slow', 5, 20],
        ['leaf', 20, 70],
        ['slow', 70, 80],
        ['r', 80, 100],
      ],
    );
  });

  it('clips a child that outlives its parent', () => {
    assert.deepEqual(path([span('r', null, 0n, 50n), span('async', 'r', 20n, 500n)]), [
      ['r', 0, 20],
      ['async', 20, 50],
    ]);
  });

  it('is empty for no spans', () => {
    assert.deepEqual(path([]), []);
  });
});
