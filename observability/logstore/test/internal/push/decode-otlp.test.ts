import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { protoFile } from '@opsight/contracts/proto';
import protobuf from 'protobufjs';
import { createLogStore, type LogStore } from '../../../src/internal/http/server.js';

let store: LogStore;
before(async () => {
  store = createLogStore({ dataDir: ':memory:', port: 0 });
  await store.listen();
});
after(() => store.close());

const now = () => String(Date.now() * 1e6);

async function query(
  q: string,
): Promise<Array<{ stream: Record<string, string>; values: Array<[string, string]> }>> {
  const u = new URL(`${store.url}/loki/api/v1/query_range`);
  u.searchParams.set('query', q);
  u.searchParams.set('start', String((Date.now() - 600_000) * 1e6));
  const body = (await (await fetch(u)).json()) as {
    data: { result: Array<{ stream: Record<string, string>; values: Array<[string, string]> }> };
  };
  return body.data.result;
}

test('OTLP/HTTP JSON logs: resource attributes become labels, the rest structured metadata', async () => {
  const body = {
    resourceLogs: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'api-service' } },
            { key: 'k8s.namespace.name', value: { stringValue: 'prod' } },
            { key: 'host.name', value: { stringValue: 'node-1' } },
          ],
        },
        scopeLogs: [
          {
            scope: { name: 'opsight' },
            logRecords: [
              {
                timeUnixNano: now(),
                severityText: 'ERROR',
                severityNumber: 17,
                body: { stringValue: 'otlp hello' },
                attributes: [{ key: 'http.route', value: { stringValue: '/v1/chat' } }],
                traceId: '5b8efff798038103d269b633813fc60c',
                spanId: 'eee19b7ec3c1b174',
              },
            ],
          },
        ],
      },
    ],
  };
  const r = await fetch(`${store.url}/otlp/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(r.status, 204, await r.text());
  const res = await query('{service_name="api-service", k8s_namespace_name="prod"}');
  assert.equal(res.length, 1);
  assert.deepEqual(
    res[0]!.values.map((v) => v[1]),
    ['otlp hello'],
  );
  const s = res[0]!.stream;
  assert.equal(s.host_name, 'node-1');
  assert.equal(s.http_route, '/v1/chat');
  assert.equal(s.severity_text, 'ERROR');
  assert.equal(s.trace_id, '5b8efff798038103d269b633813fc60c');
  assert.equal((await query('{trace_id="5b8efff798038103d269b633813fc60c"}')).length, 1);
});

test('OTLP/HTTP protobuf logs are accepted; service_name defaults to unknown_service; bad protobuf is 400', async () => {
  const root = protobuf.loadSync(protoFile('otlp/logs.proto'));
  const T = root.lookupType('opentelemetry.proto.ExportLogsServiceRequest');
  const msg = T.create({
    resourceLogs: [
      {
        resource: { attributes: [] },
        scopeLogs: [
          {
            logRecords: [
              {
                timeUnixNano: Date.now() * 1e6,
                body: { stringValue: 'pb hello' },
                traceId: Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex'),
              },
            ],
          },
        ],
      },
    ],
  });
  const r = await fetch(`${store.url}/otlp/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: T.encode(msg).finish(),
  });
  assert.equal(r.status, 204, await r.text());
  const res = await query('{service_name="unknown_service"}');
  assert.deepEqual(
    res[0]!.values.map((v) => v[1]),
    ['pb hello'],
  );
  assert.equal(res[0]!.stream.trace_id, '0af7651916cd43dd8448eb211c80319c');
  const bad = await fetch(`${store.url}/otlp/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]),
  });
  assert.equal(bad.status, 400);
});
