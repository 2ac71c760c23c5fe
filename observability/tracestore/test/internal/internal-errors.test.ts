// Issue 14: an unexpected failure answers a stable code and "internal error"; what failed (the exception's
// message, code and stack) is in one log line. Each test makes a dependency throw an error whose text must
// not reach the client, and asks through a real client: HTTP for the query API and OTLP/HTTP, gRPC for OTLP.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { otlpTypes, traceExportPath } from '../../src/internal/otlp/otlp-schema.js';
import type { TraceIngester } from '../../src/internal/otlp/trace-ingester.js';
import type { SpanStore } from '../../src/internal/storage/span-store.js';
import { TraceStoreServer } from '../../src/internal/trace-store-server.js';
import { otlpJsonRequest, otlpProtobufRequest } from '../support/otlp-request.js';

const SECRET = 'SQLITE_CORRUPT: /var/lib/tracestore/spans.db page 4711';
const LEAK = /SQLITE|spans\.db|4711|\.js:\d+/;

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

describe('internal errors of the trace store', () => {
  const logged: Record<string, unknown>[] = [];
  let server: TraceStoreServer;
  let store: SpanStore;
  let ingester: TraceIngester;
  const originals: { getTrace?: SpanStore['getTrace']; export?: TraceIngester['export'] } = {};
  const fail = () => {
    throw new Error(SECRET);
  };

  before(async () => {
    server = await TraceStoreServer.start({
      dataDir: ':memory:',
      otlpHttp: '127.0.0.1:0',
      otlpGrpc: '127.0.0.1:0',
      query: '127.0.0.1:0',
      logError: (fields) => logged.push(fields),
    });
    store = server.store;
    ingester = server.ingester;
    originals.getTrace = store.getTrace;
    originals.export = ingester.export;
  });
  after(() => server.close());
  beforeEach(() => {
    logged.length = 0;
    store.getTrace = originals.getTrace!;
    ingester.export = originals.export!;
  });

  it('a query that fails answers 500 INTERNAL_ERROR in both APIs; the log line has the error', async () => {
    store.getTrace = fail;
    const jaeger = await fetch(
      `http://${server.addresses.query}/api/traces/0af7651916cd43dd8448eb211c80319c`,
    );
    const jaegerText = await jaeger.text();
    assert.equal(jaeger.status, 500);
    assert.doesNotMatch(jaegerText, LEAK);
    const errors = (JSON.parse(jaegerText) as { errors: Record<string, unknown>[] }).errors;
    assert.deepEqual(errors, [{ code: 500, msg: 'internal error', error: 'INTERNAL_ERROR', field: null }]);

    const v3 = await fetch(`http://${server.addresses.query}/api/v3/traces/0af7651916cd43dd8448eb211c80319c`);
    const v3Text = await v3.text();
    assert.equal(v3.status, 500);
    assert.doesNotMatch(v3Text, LEAK);
    assert.equal(JSON.parse(v3Text).error.code, 'INTERNAL_ERROR');

    assert.equal(logged.length, 2);
    assert.equal(logged[0]!.message, 'request failed');
    assert.equal(logged[0]!.code, 'INTERNAL_ERROR');
    assert.equal(logged[0]!.path, '/api/traces/0af7651916cd43dd8448eb211c80319c');
    assert.equal(logged[0]!.error, SECRET);
    assert.match(String(logged[0]!.stack), /Error: SQLITE_CORRUPT/);
  });

  it('an export that fails unexpectedly answers 500 INTERNAL_ERROR over OTLP/HTTP (JSON and protobuf) and gRPC', async () => {
    ingester.export = async () => fail();
    const json = await fetch(`http://${server.addresses.otlpHttp}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(otlpJsonRequest([{}])),
    });
    const jsonText = await json.text();
    assert.equal(json.status, 500);
    assert.doesNotMatch(jsonText, LEAK);
    assert.deepEqual(JSON.parse(jsonText), {
      code: 13,
      message: 'internal error',
      error: 'INTERNAL_ERROR',
      field: null,
    });

    const proto = await fetch(`http://${server.addresses.otlpHttp}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: new Uint8Array(otlpProtobufRequest([{}])),
    });
    assert.equal(proto.status, 500);
    const status = otlpTypes.rpcStatus.decode(new Uint8Array(await proto.arrayBuffer())) as unknown as {
      message: string;
    };
    assert.equal(status.message, 'INTERNAL_ERROR: internal error');

    const call = await grpcExport(server.addresses.otlpGrpc!, otlpProtobufRequest([{}]));
    assert.equal(call?.code, grpc.status.INTERNAL);
    assert.equal(call?.details, 'INTERNAL_ERROR: internal error');

    assert.equal(logged.length, 3);
    for (const line of logged) {
      assert.equal(line.code, 'INTERNAL_ERROR');
      assert.equal(line.error, SECRET);
    }
  });

  it('a failed commit answers 503 STORAGE_FAILED without the database error; the log line has it', async () => {
    const { ingestMany, ingest } = store;
    store.ingestMany = fail;
    store.ingest = fail;
    try {
      const res = await fetch(`http://${server.addresses.otlpHttp}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(otlpJsonRequest([{}])),
      });
      const text = await res.text();
      assert.equal(res.status, 503);
      assert.doesNotMatch(text, LEAK);
      assert.equal(JSON.parse(text).error, 'STORAGE_FAILED');
      assert.equal(logged.length, 1);
      assert.equal(logged[0]!.code, 'STORAGE_FAILED');
      assert.equal(logged[0]!.error, SECRET);
    } finally {
      store.ingestMany = ingestMany;
      store.ingest = ingest;
    }
  });

  it('a parameter that does not parse is still a 400 naming the field', async () => {
    const res = await fetch(`http://${server.addresses.query}/api/traces?service=s&start=soon`);
    assert.equal(res.status, 400);
    const errors = ((await res.json()) as { errors: { error: string; field: string; msg: string }[] }).errors;
    assert.equal(errors[0]!.error, 'INVALID_PARAMETER');
    assert.equal(errors[0]!.field, 'start');
    assert.match(errors[0]!.msg, /soon/);
  });
});
