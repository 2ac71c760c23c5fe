import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { tenantDirName } from '../../../src/internal/tenancy/tenant-stores.js';
import { TraceStoreServer } from '../../../src/internal/trace-store-server.js';
import { hexId, otlpProtobufRequest } from '../../support/otlp-request.js';

test('tenant directory names cannot escape the data directory', () => {
  assert.equal(tenantDirName('..'), '%2E%2E');
  assert.equal(tenantDirName('a/b'), 'a%2Fb');
  assert.equal(tenantDirName("team-a_1.(x)*!'"), 'team-a_1%2E%28x%29%2A%21%27');
});

test("the size budget is split per tenant: tenant A's volume does not evict tenant B's traces", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tracestore-share-'));
  const server = await TraceStoreServer.start({
    dataDir: dir,
    otlpHttp: null,
    otlpGrpc: null,
    query: null,
    retention: { maxBytes: 4 * 1024 * 1024 },
    retentionIntervalMs: 3_600_000,
  });
  try {
    const { stores } = server;
    const startNs = BigInt(Date.now()) * 1_000_000n;
    const span = { startNs, endNs: startNs + 1000n };
    // Tenant b writes first (its traces are the oldest), then tenant a writes far more than the budget.
    const bTraces = Array.from({ length: 50 }, () => hexId(16));
    for (const traceId of bTraces)
      await stores.ingester('team-b').export(otlpProtobufRequest([{ ...span, traceId }]), 'protobuf', 'test');
    const big = { note: 'x'.repeat(2000) };
    for (let i = 0; i < 40; i++) {
      const spans = Array.from({ length: 100 }, () => ({ ...span, attributes: big }));
      await stores.ingester('team-a').export(otlpProtobufRequest(spans), 'protobuf', 'test');
    }
    // Retention may already have run after a commit (the server checks the budget after writes).
    stores.enforceRetention();
    for (const traceId of bTraces)
      assert.ok(stores.store('team-b').getTrace(Buffer.from(traceId, 'hex')), `team-b trace ${traceId} kept`);
    assert.ok(stores.store('team-a').spanCount() < 40 * 100, "team-a's oldest traces went");
    assert.ok(stores.store('team-a').usedBytes() <= stores.shareBytes());
    assert.deepEqual(readdirSync(join(dir, 'tenants')).sort(), ['team-a', 'team-b']);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
