// A trace far over the per-trace limit, pushed in many batches as exporters send it: the store keeps the
// first `maxSpansPerTrace` spans, drops and counts the rest, tells the sender (partial success) and the reader
// (Jaeger `warnings`), and every other trace is stored as usual. The trace is one 10,000-deep chain as stored,
// so the analysis (tree, critical path) runs on the deepest shape the limit allows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { otlpTypes } from '../../src/internal/otlp/otlp-schema.js';
import { TraceStoreServer } from '../../src/internal/trace-store-server.js';
import { hexId, otlpProtobufRequest } from '../support/otlp-request.js';
import { tempDir } from '../support/temp-dir.js';

const t0 = 1_795_000_000_000_000_000n;

describe('a trace over the per-trace span limit', () => {
  it('keeps 10,000 of a 50,000-span trace pushed in 100 batches, counts 40,000 dropped and says so', async (t) => {
    const server = await TraceStoreServer.start({
      dataDir: tempDir(t),
      otlpHttp: '127.0.0.1:0',
      otlpGrpc: null,
      query: '127.0.0.1:0',
    });
    t.after(() => server.close());
    const traceId = hexId(16);
    const total = 50_000;
    const perBatch = 500;
    const ids = Array.from({ length: total }, () => hexId(8));
    let rejected = 0;
    for (let b = 0; b < total / perBatch; b++) {
      const spans = Array.from({ length: perBatch }, (_, k) => {
        const i = b * perBatch + k;
        const startNs = t0 + BigInt(i) * 1000n;
        return {
          traceId,
          spanId: ids[i]!,
          parentSpanId: i > 0 ? ids[i - 1] : undefined,
          name: `step-${i}`,
          startNs,
          endNs: t0 + BigInt(2 * total - i) * 1000n,
        };
      });
      const response = await fetch(`http://${server.addresses.otlpHttp}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: otlpProtobufRequest(spans),
      });
      assert.equal(response.status, 200, `batch ${b}`);
      const body = otlpTypes.response.toObject(
        otlpTypes.response.decode(Buffer.from(await response.arrayBuffer())),
        { longs: Number },
      ) as { partialSuccess?: { rejectedSpans: number; errorMessage: string } };
      if (b < 20) assert.equal(body.partialSuccess, undefined, `batch ${b} fits`);
      else {
        assert.equal(body.partialSuccess?.rejectedSpans, perBatch, `batch ${b} is over the limit`);
        assert.match(body.partialSuccess.errorMessage, /over the limit of 10000 spans per trace/);
      }
      rejected += body.partialSuccess?.rejectedSpans ?? 0;
    }
    assert.equal(rejected, 40_000);
    const query = `http://${server.addresses.query}`;
    const metrics = await (await fetch(`${query}/metrics`)).text();
    assert.match(metrics, /^tracestore_spans_dropped_total\{reason="trace_too_large"\} 40000$/m);
    assert.match(metrics, /^tracestore_received_spans_total\{transport="http",outcome="stored"\} 10000$/m);

    const jaeger = (await (await fetch(`${query}/api/traces/${traceId}`)).json()) as {
      data: { spans: unknown[]; warnings: string[] | null }[];
    };
    assert.equal(jaeger.data[0]!.spans.length, 10_000);
    assert.equal(jaeger.data[0]!.warnings?.length, 1);
    assert.match(jaeger.data[0]!.warnings![0]!, /^trace too large: 40000 spans were dropped/);

    const analysis = (await (await fetch(`${query}/api/opsight/traces/${traceId}/analysis`)).json()) as {
      spanCount: number;
      spans: { depth: number }[];
      criticalPath: unknown[];
      warnings: string[];
    };
    assert.equal(analysis.spanCount, 10_000);
    assert.equal(analysis.spans.at(-1)!.depth, 9_999);
    assert.equal(analysis.criticalPath.length, 19_999, 'each span of the chain before and after its child');
    assert.equal(analysis.warnings.length, 1);

    // Other traces are unaffected.
    const other = hexId(16);
    const response = await fetch(`http://${server.addresses.otlpHttp}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: otlpProtobufRequest([{ traceId: other }, { traceId: other }]),
    });
    assert.equal(response.status, 200);
    assert.equal(server.store.getTrace(Buffer.from(other, 'hex'))?.spans.length, 2);
  });
});
