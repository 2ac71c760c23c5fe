import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { SpanKind } from '@opentelemetry/api';
import Fastify, { type FastifyInstance } from 'fastify';
import { grpcClientInterceptor } from '../../src/grpc/client-interceptor.js';
import { grpcServerInterceptor } from '../../src/grpc/server-interceptor.js';
import { fastifyTelemetry } from '../../src/http/fastify-plugin.js';
import { type EchoClient, EchoClientConstructor, startGrpcServer, unary } from '../support/echo-service.js';
import { httpGet } from '../support/http-get.js';
import { startTestTelemetry, type TestTelemetry } from '../support/telemetry.js';

let t: TestTelemetry;
let front: FastifyInstance;
let backend: FastifyInstance;
let server: grpc.Server;
let client: EchoClient;
let frontUrl: string;

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

before(async () => {
  t = startTestTelemetry();
  backend = Fastify();
  await backend.register(fastifyTelemetry);
  backend.get('/v1/completions/:model', async (request) => {
    t.telemetry.logger.info('backend');
    return { model: (request.params as { model: string }).model, text: 'tokens' };
  });
  const backendUrl = await listen(backend);

  const started = await startGrpcServer(
    {
      Unary(call: grpc.ServerUnaryCall<{ text: string }, unknown>, callback: grpc.sendUnaryData<unknown>) {
        t.telemetry.logger.info('router');
        fetch(`${backendUrl}/v1/completions/${call.request.text}`)
          .then((r) => r.json())
          .then((body) => callback(null, body))
          .catch((error: Error) => callback({ code: grpc.status.UNAVAILABLE, details: error.message }));
      },
    },
    [grpcServerInterceptor()],
  );
  server = started.server;
  client = new EchoClientConstructor(started.address, grpc.credentials.createInsecure(), {
    interceptors: [grpcClientInterceptor()],
  });

  front = Fastify();
  await front.register(fastifyTelemetry);
  front.get('/v1/chat/:model', async (request) => {
    t.telemetry.logger.info('front');
    return unary(client, { text: (request.params as { model: string }).model });
  });
  frontUrl = await listen(front);
});

after(async () => {
  client.close();
  server.forceShutdown();
  await front.close();
  await backend.close();
  await t.telemetry.shutdown();
});

test('one trace across HTTP → gRPC → HTTP, each span the child of the one before', async () => {
  const response = await httpGet(`${frontUrl}/v1/chat/gpt-4o`, { 'x-request-id': 'req-chain-1' });
  assert.equal(response.status, 200);
  assert.deepEqual(JSON.parse(response.body), { model: 'gpt-4o', text: 'tokens' });
  const spans = await t.finished();
  const byName = (name: string, kind: SpanKind) => {
    const found = spans.filter((s) => s.name === name && s.kind === kind);
    assert.equal(found.length, 1, `${name} ${SpanKind[kind]}: ${spans.map((s) => s.name).join(', ')}`);
    return found[0]!;
  };
  const frontServer = byName('GET /v1/chat/:model', SpanKind.SERVER);
  const grpcClient = byName('opsight.test.v1.Echo/Unary', SpanKind.CLIENT);
  const grpcServer = byName('opsight.test.v1.Echo/Unary', SpanKind.SERVER);
  const fetchClient = byName('GET', SpanKind.CLIENT);
  const backendServer = byName('GET /v1/completions/:model', SpanKind.SERVER);
  const chain = [frontServer, grpcClient, grpcServer, fetchClient, backendServer];

  const traceId = frontServer.spanContext().traceId;
  for (const span of chain) assert.equal(span.spanContext().traceId, traceId, span.name);
  assert.equal(frontServer.parentSpanContext, undefined, 'the front span is the root');
  for (let i = 1; i < chain.length; i++) {
    assert.equal(chain[i]!.parentSpanContext?.spanId, chain[i - 1]!.spanContext().spanId, chain[i]!.name);
  }
  assert.equal(fetchClient.attributes['http.response.status_code'], 200);
  assert.match(
    String(fetchClient.attributes['url.full']),
    /^http:\/\/127\.0\.0\.1:\d+\/v1\/completions\/gpt-4o$/,
  );

  // Every service's log line carries the same trace and the gateway's request id.
  const lines = t.logs.records();
  for (const [message, span] of [
    ['front', frontServer],
    ['router', grpcServer],
    ['backend', backendServer],
  ] as const) {
    const line = lines.find((l) => l.message === message)!;
    assert.equal(line.trace_id, traceId, message);
    assert.equal(line.span_id, span.spanContext().spanId, message);
    assert.equal(line.request_id, 'req-chain-1', message);
  }
});
