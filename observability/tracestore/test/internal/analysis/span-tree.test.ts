import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSpanTree, type TreeSpanInput } from '../../../src/internal/analysis/span-tree.js';

function span(
  spanId: string,
  parentSpanId: string | null,
  startNs: bigint,
  endNs = startNs + 10n,
): TreeSpanInput {
  return { spanId, parentSpanId, service: 's', name: spanId, startNs, endNs };
}

describe('buildSpanTree', () => {
  it('links children to parents, ordered by start time, with depths', () => {
    const tree = buildSpanTree([
      span('c2', 'r', 5n),
      span('r', null, 0n, 100n),
      span('c1', 'r', 1n),
      span('g', 'c1', 2n),
    ]);
    assert.deepEqual(
      tree.roots.map((r) => r.span.spanId),
      ['r'],
    );
    const root = tree.roots[0]!;
    assert.deepEqual(
      root.children.map((c) => [c.span.spanId, c.depth]),
      [
        ['c1', 1],
        ['c2', 1],
      ],
    );
    assert.equal(tree.byId.get('g')!.depth, 2);
    assert.deepEqual(tree.missingParentIds, []);
  });

  it('marks spans whose parent is not stored and lists the missing ids', () => {
    const tree = buildSpanTree([
      span('r', null, 0n),
      span('a', 'gone', 1n),
      span('b', 'gone', 2n),
      span('c', 'lost', 3n),
    ]);
    assert.deepEqual(
      tree.roots.map((r) => [r.span.spanId, r.missingParent]),
      [
        ['r', false],
        ['a', true],
        ['b', true],
        ['c', true],
      ],
    );
    assert.deepEqual(tree.missingParentIds, ['gone', 'lost']);
  });

  it('shows every span once even when parent ids form a cycle', () => {
    const tree = buildSpanTree([span('a', 'b', 0n), span('b', 'a', 1n), span('self', 'self', 2n)]);
    const seen: string[] = [];
    const walk = (n: (typeof tree.roots)[number]): void => {
      seen.push(n.span.spanId);
      n.children.forEach(walk);
    };
    tree.roots.forEach(walk);
    assert.deepEqual(seen.sort(), ['a', 'b', 'self']);
  });
});
