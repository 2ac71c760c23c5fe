// The trace store on a full disk: a tmpfs of 8 MiB holds the database, a file fills the rest, and exports go
// on. Expected: 503 STORAGE_FULL with Retry-After over OTLP/HTTP, UNAVAILABLE over OTLP/gRPC, the process
// keeps serving queries, nothing acknowledged is lost, the database passes integrity_check, and once the file
// is removed the next export succeeds without a restart.
import assert from 'node:assert/strict';
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { otlpTypes, traceExportPath } from '../../src/internal/otlp/otlp-schema.js';
import { SpanStore } from '../../src/internal/storage/span-store.js';
import { TraceStoreServer } from '../../src/internal/trace-store-server.js';
import { hexId, otlpJsonRequest, otlpProtobufRequest } from '../support/otlp-request.js';
import { fillFilesystem, smallFilesystem } from '../support/small-filesystem.js';

function grpcExport(address: string, body: Buffer): Promise<grpc.ServiceError | null> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      traceExportPath,
      (b: Buffer) => b,
      (b: Buffer) => otlpTypes.response.decode(b),
      body,
      new grpc.Metadata(),
      (error) => {
        client.close();
        resolve(error);
      },
    );
  });
}

describe('the trace store on a full disk', () => {
  it('answers 503 STORAGE_FULL with Retry-After, loses nothing acknowledged, and recovers once space is freed', async (t) => {
    const mount = smallFilesystem(t, '8m');
    if (!mount) return;
    const dataDir = join(mount, 'data');
    const server = await TraceStoreServer.start({
      dataDir,
      otlpHttp: '127.0.0.1:0',
      otlpGrpc: '127.0.0.1:0',
      query: '127.0.0.1:0',
      retryAfterSeconds: 2,
    });
    let closed = false;
    t.after(async () => {
      if (!closed) await server.close();
    });
    const acknowledged = new Map<string, number>();
    const filler = 'f'.repeat(1000);
    const push = async () => {
      const traceId = hexId(16);
      const spans = Array.from({ length: 20 }, () => ({ traceId, attributes: { filler } }));
      const response = await fetch(`http://${server.addresses.otlpHttp}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(otlpJsonRequest(spans)),
      });
      const body = (await response.json()) as Record<string, unknown>;
      if (response.status === 200) acknowledged.set(traceId, spans.length);
      return { status: response.status, retryAfter: response.headers.get('retry-after'), body };
    };
    const metric = async (name: string) => {
      const text = await (await fetch(`http://${server.addresses.query}/metrics`)).text();
      return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    };

    for (let i = 0; i < 5; i++) assert.equal((await push()).status, 200);
    const fillerFile = join(mount, 'filler');
    assert.ok(fillFilesystem(fillerFile) > 0);

    let refused: Awaited<ReturnType<typeof push>> | undefined;
    for (let i = 0; i < 200 && !refused; i++) {
      const result = await push();
      if (result.status !== 200) refused = result;
    }
    assert.ok(refused, 'an export was refused once the disk was full');
    assert.equal(refused.status, 503);
    assert.equal(refused.retryAfter, '2');
    assert.equal(refused.body.error, 'STORAGE_FULL');
    assert.equal(refused.body.code, 14);
    assert.equal((await push()).status, 503, 'still full: still refused, not crashed');
    const grpcError = await grpcExport(server.addresses.otlpGrpc!, otlpProtobufRequest([{}]));
    assert.equal(grpcError?.code, grpc.status.UNAVAILABLE);
    assert.match(grpcError?.details ?? '', /^STORAGE_FULL: /);
    assert.equal(await metric('tracestore_storage_full'), 1);
    // Reads go on while writes are refused.
    const [someTrace] = acknowledged.keys();
    const read = await fetch(`http://${server.addresses.query}/api/traces/${someTrace}`);
    assert.equal(read.status, 200);

    unlinkSync(fillerFile);
    const recovered = await push();
    assert.equal(recovered.status, 200, 'the first export after space is freed is stored');
    assert.equal(await metric('tracestore_storage_full'), 0);
    for (const [traceId, n] of acknowledged) {
      assert.equal(server.store.getTrace(Buffer.from(traceId, 'hex'))?.spans.length, n, `trace ${traceId}`);
    }
    assert.equal(server.store.db.pragma('integrity_check', { simple: true }), 'ok');
    const total = [...acknowledged.values()].reduce((a, b) => a + b, 0);
    assert.equal(server.store.spanCount(), total, 'nothing refused was half stored');

    // And all of it is on disk: reopened from the files, the same spans, still consistent.
    await server.close();
    closed = true;
    const reopened = new SpanStore({ dataDir });
    t.after(() => reopened.close());
    assert.equal(reopened.spanCount(), total);
    assert.equal(reopened.db.pragma('integrity_check', { simple: true }), 'ok');
  });
});
