import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeTrace } from '../../../src/internal/analysis/trace-analysis.js';
import { decodeExportRequest } from '../../../src/internal/otlp/ingest-batch.js';
import { defaultSpanLimits } from '../../../src/internal/otlp/validate-span.js';
import { decodeTrace } from '../../../src/internal/query/decoded-trace.js';
import { SpanStore } from '../../../src/internal/storage/span-store.js';
import { hexId, otlpProtobufRequest, type TestSpan } from '../../support/otlp-request.js';

const t0 = 1_795_000_000_000_000_000n;

/** A 50-span chain (span i starts at t0 + i µs), stored newest first in 5 requests. */
function chainStore(): { store: SpanStore; traceId: Buffer; ids: string[] } {
  const store = new SpanStore({ dataDir: ':memory:' });
  const traceId = hexId(16);
  const ids = Array.from({ length: 50 }, () => hexId(8));
  const spans: TestSpan[] = ids.map((spanId, i) => ({
    traceId,
    spanId,
    parentSpanId: i > 0 ? ids[i - 1] : undefined,
    service: i % 2 === 0 ? 'api' : 'router',
    startNs: t0 + BigInt(i) * 1000n,
    endNs: t0 + BigInt(100 - i) * 1000n,
  }));
  for (let b = 4; b >= 0; b--) {
    const request = otlpProtobufRequest(spans.slice(b * 10, b * 10 + 10));
    store.ingest(decodeExportRequest(request, defaultSpanLimits));
  }
  return { store, traceId: Buffer.from(traceId, 'hex'), ids };
}

describe('analyzeTrace', () => {
  it('analyses a trace over the cap on its first spans by start time and says it was truncated', () => {
    const { store, traceId, ids } = chainStore();
    const analysis = analyzeTrace(decodeTrace(store.getTrace(traceId, 10)!), 10);
    assert.deepEqual([analysis.spanCount, analysis.analyzedSpanCount, analysis.truncated], [50, 10, true]);
    assert.deepEqual(
      analysis.spans.map((s) => s.spanID),
      ids.slice(0, 10),
    );
    assert.equal(analysis.spans.at(-1)!.depth, 9);
    assert.deepEqual(analysis.missingParentIds, []);
    assert.equal(analysis.warnings.length, 1);
    assert.match(analysis.warnings[0]!, /^analysis truncated: the first 10 of 50 spans by start time/);
    store.close();
  });

  it('caps a trace read whole as well (the first spans by start time, whatever order they came in)', () => {
    const { store, traceId, ids } = chainStore();
    const trace = decodeTrace(store.getTrace(traceId)!);
    trace.spans.reverse();
    const analysis = analyzeTrace(trace, 5);
    assert.deepEqual([analysis.spanCount, analysis.analyzedSpanCount, analysis.truncated], [50, 5, true]);
    assert.deepEqual(
      analysis.spans.map((s) => s.spanID),
      ids.slice(0, 5),
    );
    store.close();
  });

  it('analyses a trace within the cap whole, without a warning', () => {
    const { store, traceId } = chainStore();
    const analysis = analyzeTrace(decodeTrace(store.getTrace(traceId, 50)!), 50);
    assert.deepEqual([analysis.spanCount, analysis.analyzedSpanCount, analysis.truncated], [50, 50, false]);
    assert.deepEqual(analysis.warnings, []);
    assert.equal(analysis.dependencies.length, 2);
    store.close();
  });
});
