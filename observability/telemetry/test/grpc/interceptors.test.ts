import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  currentRequestId,
  newRequestContext,
  withRequestContext,
} from '../../src/context/request-context.js';
import { grpcClientInterceptor } from '../../src/grpc/client-interceptor.js';
import { grpcServerInterceptor } from '../../src/grpc/server-interceptor.js';
import {
  ECHO_SERVICE,
  type EchoClient,
  EchoClientConstructor,
  startGrpcServer,
  unary,
} from '../support/echo-service.js';
import { startTestTelemetry, type TestTelemetry } from '../support/telemetry.js';

let t: TestTelemetry;
let server: grpc.Server;
let client: EchoClient;
const seenRequestIds: (string | undefined)[] = [];

before(async () => {
  t = startTestTelemetry();
  const started = await startGrpcServer(
    {
      Unary(call: grpc.ServerUnaryCall<{ text: string }, unknown>, callback: grpc.sendUnaryData<unknown>) {
        seenRequestIds.push(currentRequestId());
        t.telemetry.logger.info('unary handler');
        if (call.request.text === 'fail')
          callback({ code: grpc.status.INVALID_ARGUMENT, details: 'bad text' });
        else if (call.request.text === 'crash') callback({ code: grpc.status.INTERNAL, details: 'crashed' });
        else callback(null, { text: call.request.text });
      },
      ServerStream(call: grpc.ServerWritableStream<{ n: number }, unknown>) {
        for (let i = 0; i < call.request.n; i++) call.write({ i });
        call.end();
      },
      ClientStream(call: grpc.ServerReadableStream<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
        let count = 0;
        call.on('data', () => {
          count++;
        });
        call.on('end', () => callback(null, { count }));
      },
      Bidi(call: grpc.ServerDuplexStream<unknown, unknown>) {
        call.on('data', (message) => call.write(message));
        call.on('end', () => call.end());
      },
    },
    [grpcServerInterceptor()],
  );
  server = started.server;
  client = new EchoClientConstructor(started.address, grpc.credentials.createInsecure(), {
    interceptors: [grpcClientInterceptor()],
  });
});

after(async () => {
  client.close();
  server.forceShutdown();
  await t.telemetry.shutdown();
});

async function callAllFour(): Promise<void> {
  assert.deepEqual(await unary(client, { text: 'hi' }), { text: 'hi' });
  await assert.rejects(unary(client, { text: 'fail' }), /bad text/);
  await assert.rejects(unary(client, { text: 'crash' }), /crashed/);

  const received: unknown[] = [];
  const stream = client.ServerStream!({ n: 3 }) as grpc.ClientReadableStream<unknown>;
  stream.on('data', (m) => received.push(m));
  await new Promise((resolve) => stream.on('end', resolve));
  assert.equal(received.length, 3);

  const counted = await new Promise<unknown>((resolve, reject) => {
    const call = client.ClientStream!((error: Error | null, response: unknown) =>
      error ? reject(error) : resolve(response),
    ) as grpc.ClientWritableStream<unknown>;
    for (let i = 0; i < 4; i++) call.write({ i });
    call.end();
  });
  assert.deepEqual(counted, { count: 4 });

  const bidi = client.Bidi!() as grpc.ClientDuplexStream<unknown, unknown>;
  const echoed: unknown[] = [];
  bidi.on('data', (m) => echoed.push(m));
  bidi.write({ a: 1 });
  bidi.write({ a: 2 });
  bidi.end();
  await new Promise((resolve) => bidi.on('status', resolve));
  assert.equal(echoed.length, 2);
}

test('go-grpc-prometheus families and labels for all four call types', async () => {
  await callAllFour();
  await t.telemetry.forceFlush();
  const { body } = await t.telemetry.metrics.render();
  const s = `grpc_service="${ECHO_SERVICE}"`;
  const expect = (re: string): void => assert.match(body, new RegExp(`^${re}$`, 'm'), re);
  expect(`grpc_server_started_total\\{grpc_type="unary",${s},grpc_method="Unary"\\} 3`);
  expect(`grpc_server_handled_total\\{grpc_type="unary",${s},grpc_method="Unary",grpc_code="OK"\\} 1`);
  expect(
    `grpc_server_handled_total\\{grpc_type="unary",${s},grpc_method="Unary",grpc_code="InvalidArgument"\\} 1`,
  );
  expect(`grpc_server_handled_total\\{grpc_type="unary",${s},grpc_method="Unary",grpc_code="Internal"\\} 1`);
  expect(`grpc_server_handling_seconds_count\\{grpc_type="unary",${s},grpc_method="Unary"\\} 3`);
  expect(`grpc_server_msg_received_total\\{grpc_type="unary",${s},grpc_method="Unary"\\} 3`);
  expect(`grpc_server_msg_sent_total\\{grpc_type="unary",${s},grpc_method="Unary"\\} 1`);
  expect(`grpc_server_started_total\\{grpc_type="server_stream",${s},grpc_method="ServerStream"\\} 1`);
  expect(`grpc_server_msg_sent_total\\{grpc_type="server_stream",${s},grpc_method="ServerStream"\\} 3`);
  expect(
    `grpc_server_handled_total\\{grpc_type="server_stream",${s},grpc_method="ServerStream",grpc_code="OK"\\} 1`,
  );
  expect(`grpc_server_msg_received_total\\{grpc_type="client_stream",${s},grpc_method="ClientStream"\\} 4`);
  expect(`grpc_server_msg_sent_total\\{grpc_type="client_stream",${s},grpc_method="ClientStream"\\} 1`);
  expect(
    `grpc_server_handled_total\\{grpc_type="client_stream",${s},grpc_method="ClientStream",grpc_code="OK"\\} 1`,
  );
  expect(`grpc_server_msg_received_total\\{grpc_type="bidi_stream",${s},grpc_method="Bidi"\\} 2`);
  expect(`grpc_server_msg_sent_total\\{grpc_type="bidi_stream",${s},grpc_method="Bidi"\\} 2`);
  expect(`grpc_server_handled_total\\{grpc_type="bidi_stream",${s},grpc_method="Bidi",grpc_code="OK"\\} 1`);
  expect(
    `grpc_client_handled_total\\{grpc_type="unary",${s},grpc_method="Unary",grpc_code="InvalidArgument"\\} 1`,
  );
  expect(`grpc_client_msg_received_total\\{grpc_type="server_stream",${s},grpc_method="ServerStream"\\} 3`);
  expect(`grpc_client_msg_sent_total\\{grpc_type="client_stream",${s},grpc_method="ClientStream"\\} 4`);
});

test('promtool check metrics passes on the real exposition, gRPC families included', async () => {
  await unary(client, { text: 'again' });
  const { body } = await t.telemetry.metrics.render();
  assert.ok(body.includes('grpc_server_handling_seconds_bucket'));
  const result = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
  assert.equal(result.error, undefined, 'promtool must be installed (/usr/bin/promtool)');
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
});

test('client and server spans: rpc.* attributes, parent link through metadata, status on error', async () => {
  await t.reset();
  const request = newRequestContext('req-grpc-1');
  await context.with(withRequestContext(context.active(), request), async () => {
    await t.telemetry.tracer.startActiveSpan('caller', async (caller) => {
      await unary(client, { text: 'hello' });
      await assert.rejects(unary(client, { text: 'crash' }));
      caller.end();
    });
  });
  const spans = await t.finished();
  const caller = spans.find((s) => s.name === 'caller')!;
  const clients = spans.filter((s) => s.kind === SpanKind.CLIENT);
  const servers = spans.filter((s) => s.kind === SpanKind.SERVER);
  assert.equal(clients.length, 2);
  assert.equal(servers.length, 2);
  for (const span of [...clients, ...servers]) {
    assert.equal(span.name, `${ECHO_SERVICE}/Unary`);
    assert.equal(span.attributes['rpc.system'], 'grpc');
    assert.equal(span.attributes['rpc.service'], ECHO_SERVICE);
    assert.equal(span.attributes['rpc.method'], 'Unary');
    assert.equal(span.spanContext().traceId, caller.spanContext().traceId);
  }
  for (const c of clients) assert.equal(c.parentSpanContext?.spanId, caller.spanContext().spanId);
  const [okClient, errClient] = clients.sort(
    (a, b) => Number(a.attributes['rpc.grpc.status_code']) - Number(b.attributes['rpc.grpc.status_code']),
  );
  const okServer = servers.find((s) => s.parentSpanContext?.spanId === okClient!.spanContext().spanId);
  assert.ok(okServer, 'the server span is the child of the client span');
  assert.equal(okServer.attributes['rpc.grpc.status_code'], 0);
  assert.equal(errClient!.attributes['rpc.grpc.status_code'], grpc.status.INTERNAL);
  assert.equal(errClient!.status.code, SpanStatusCode.ERROR);
  const errServer = servers.find((s) => s.parentSpanContext?.spanId === errClient!.spanContext().spanId)!;
  assert.equal(errServer.status.code, SpanStatusCode.ERROR);
  assert.equal(errServer.attributes['error.type'], 'Internal');
  // The handler ran in the server span's context with the caller's request id.
  const line = t.logs.records().find((r) => r.message === 'unary handler')!;
  assert.equal(line.trace_id, caller.spanContext().traceId);
  assert.equal(line.span_id, okServer.spanContext().spanId);
  assert.equal(line.request_id, 'req-grpc-1');
  assert.equal(seenRequestIds.at(-1), 'req-grpc-1');
  assert.equal(trace.getActiveSpan(), undefined);
});
