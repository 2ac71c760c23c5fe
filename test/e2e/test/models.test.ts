import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { loadModelRouterProto } from '@opsight/model-router';
import { eventually, port, promQuery } from '../src/env.js';

type Callback = (error: grpc.ServiceError | null, value: Record<string, unknown>) => void;
type RouterClient = grpc.Client & {
  Generate(request: object, options: grpc.CallOptions, callback: Callback): void;
  ListModels(request: object, options: grpc.CallOptions, callback: Callback): void;
};

const { Client } = loadModelRouterProto();
const client = new Client(
  `127.0.0.1:${port(50051)}`,
  grpc.credentials.createInsecure(),
) as unknown as RouterClient;
after(() => client.close());

const call = (method: 'Generate' | 'ListModels', request: object) =>
  new Promise<{ error: grpc.ServiceError | null; value: Record<string, unknown> }>((resolve) =>
    client[method](request, { deadline: Date.now() + 15_000 }, (error, value) => resolve({ error, value })),
  );

test('the router lists the local models, each served by a healthy backend', async () => {
  const { error, value } = await eventually('every model available', async () => {
    const r = await call('ListModels', {});
    const models = (r.value?.models ?? []) as { available: boolean }[];
    return models.length >= 4 && models.every((m) => m.available) ? r : undefined;
  });
  assert.equal(error, null);
  const ids = (value.models as { id: string }[]).map((m) => m.id).sort();
  assert.deepEqual(ids, ['chat-fast', 'chat-instant', 'chat-large', 'chat-small']);
});

test('Generate through the router shows up in Prometheus as gRPC and inference series', async () => {
  for (let i = 0; i < 3; i++) {
    const { error, value } = await call('Generate', {
      model: 'chat-fast',
      messages: [{ role: 'user', content: `e2e ${i}` }],
      max_tokens: 8,
    });
    assert.equal(error, null, error?.message);
    assert.equal(value.model, 'chat-fast');
  }
  const unknown = await call('Generate', {
    model: 'gpt-unknown',
    messages: [{ role: 'user', content: 'x' }],
  });
  assert.equal(unknown.error?.code, grpc.status.NOT_FOUND);

  await eventually('grpc_server_handled_total OK from the router', async () => {
    const r = await promQuery(
      'grpc_server_handled_total{job="model-router",grpc_method="Generate",grpc_code="OK"}',
    );
    return r.length === 1 && Number(r[0]?.value[1]) >= 3;
  });
  await eventually('grpc_server_handled_total NotFound', async () => {
    const r = await promQuery('grpc_server_handled_total{job="model-router",grpc_code="NotFound"}');
    return r.length === 1;
  });
  await eventually('model_inference_success_total of chat-fast', async () => {
    const r = await promQuery(
      'sum(model_inference_success_total{job="model-serving",model_name="chat-fast"})',
    );
    return r.length === 1 && Number(r[0]?.value[1]) >= 3;
  });
});
