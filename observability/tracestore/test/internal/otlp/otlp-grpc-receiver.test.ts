import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { otlpTypes, traceExportPath } from '../../../src/internal/otlp/otlp-schema.js';
import { TraceStoreServer } from '../../../src/internal/trace-store-server.js';
import { otlpProtobufRequest } from '../../support/otlp-request.js';

function exportCall(
  address: string,
  body: Buffer,
  metadata = new grpc.Metadata(),
): Promise<{ error: grpc.ServiceError | null; response?: Record<string, unknown> }> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      traceExportPath,
      (b: Buffer) => b,
      (b: Buffer) => otlpTypes.response.toObject(otlpTypes.response.decode(b), { longs: String }),
      body,
      metadata,
      (error, response) => {
        client.close();
        resolve({ error, response: response as Record<string, unknown> | undefined });
      },
    );
  });
}

describe('OTLP/gRPC receiver', () => {
  it('stores spans, reports partial success, and refuses invalid protobuf with INVALID_ARGUMENT', async (t) => {
    const server = await TraceStoreServer.start({
      dataDir: ':memory:',
      otlpHttp: null,
      otlpGrpc: '127.0.0.1:0',
      query: null,
    });
    t.after(() => server.close());
    const address = server.addresses.otlpGrpc!;
    const ok = await exportCall(address, otlpProtobufRequest([{}, {}]));
    assert.equal(ok.error, null);
    assert.deepEqual(ok.response, {});
    const partial = await exportCall(address, otlpProtobufRequest([{}, { traceId: '00'.repeat(16) }]));
    assert.equal(partial.error, null);
    const ps = partial.response?.partialSuccess as { rejectedSpans: string; errorMessage: string };
    assert.equal(ps.rejectedSpans, '1');
    assert.match(ps.errorMessage, /traceId must not be all zeros/);
    const bad = await exportCall(address, Buffer.from([0x0a, 0x05, 0x01]));
    assert.equal(bad.error?.code, grpc.status.INVALID_ARGUMENT);
    assert.match(bad.error?.details ?? '', /^OTLP_INVALID_PROTOBUF: invalid protobuf/);
    const allBad = await exportCall(address, otlpProtobufRequest([{ endNs: 1n, startNs: 2n }]));
    assert.equal(allBad.error?.code, grpc.status.INVALID_ARGUMENT);
    assert.match(allBad.error?.details ?? '', /endTimeUnixNano is before startTimeUnixNano/);
    assert.equal(server.store.spanCount(), 3);
  });

  it('requires the bearer token in metadata when one is configured', async (t) => {
    const server = await TraceStoreServer.start({
      dataDir: ':memory:',
      otlpHttp: null,
      otlpGrpc: '127.0.0.1:0',
      query: null,
      bearerToken: 'tok',
    });
    t.after(() => server.close());
    const denied = await exportCall(server.addresses.otlpGrpc!, otlpProtobufRequest([{}]));
    assert.equal(denied.error?.code, grpc.status.UNAUTHENTICATED);
    const metadata = new grpc.Metadata();
    metadata.set('authorization', 'Bearer tok');
    const allowed = await exportCall(server.addresses.otlpGrpc!, otlpProtobufRequest([{}]), metadata);
    assert.equal(allowed.error, null);
    assert.equal(server.store.spanCount(), 1);
  });
});
