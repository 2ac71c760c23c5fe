import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serviceGraph } from '../../../src/internal/analysis/service-graph.js';

describe('serviceGraph', () => {
  it('counts calls between services from parent/child pairs, ignoring same-service and orphan spans', () => {
    const s = (spanId: string, parentSpanId: string | null, service: string) => ({
      spanId,
      parentSpanId,
      service,
      name: spanId,
      startNs: 0n,
      endNs: 1n,
    });
    assert.deepEqual(
      serviceGraph([
        s('gw', null, 'gateway'),
        s('api', 'gw', 'api'),
        s('db', 'api', 'api'),
        s('r1', 'api', 'router'),
        s('r2', 'api', 'router'),
        s('orphan', 'missing', 'serving'),
      ]),
      [
        { parent: 'api', child: 'router', callCount: 2 },
        { parent: 'gateway', child: 'api', callCount: 1 },
      ],
    );
  });
});
