import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { context } from '@opentelemetry/api';
import { ApiError } from '../../src/error-catalogue.js';
import type { UsageRow } from '../../src/internal/db/usage-writer.js';
import { KnownModels } from '../../src/internal/known-models.js';
import { type ApiCall, CHAT_ROUTE } from '../../src/plugins/api-call.js';
import { usagePlugin } from '../../src/plugins/usage.js';
import { baseApp, keyRecord, metricsOf, sample, testTelemetry } from '../support/plugin-app.js';

const lines: string[] = [];
const telemetry = testTelemetry(lines);
const rows: UsageRow[] = [];
const models = new KnownModels();
models.add('known-model');
const app = baseApp(telemetry);
app.register(usagePlugin, {
  usage: { add: (row) => void rows.push(row) },
  models,
  telemetry,
  logContent: false,
});
app.register(async (scope) => {
  scope.post(CHAT_ROUTE, async (request) => {
    const call = request.apiCall!;
    const body = request.body as { model: string; fail?: boolean };
    call.key = keyRecord();
    call.model = body.model;
    if (body.fail) throw new ApiError('INVALID_REQUEST', 'bad', 'messages');
    call.promptTokens = 5;
    call.completionTokens = 8;
    return { ok: true };
  });
});
after(() => app.close());

const post = (body: object) =>
  app.inject({
    method: 'POST',
    url: CHAT_ROUTE,
    headers: { 'content-type': 'application/json' },
    payload: body,
  });
const logged = (message: string) =>
  lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.message === message);

describe('usage plugin', () => {
  test('an answered call: counted by model and status, tokens counted, one usage row, one log line', async () => {
    assert.equal((await post({ model: 'known-model' })).statusCode, 200);
    const text = await metricsOf(app);
    assert.equal(sample(text, 'api_requests_total{model_name="known-model",status="200"}'), 1);
    assert.equal(sample(text, 'api_tokens_total{model_name="known-model",direction="completion"}'), 8);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.keyId, 'key_0123456789abcdef');
    assert.equal(rows[0]!.promptTokens, 5);
    assert.equal(rows[0]!.status, 200);
    const [line] = logged('chat completion');
    assert.equal(line?.model_name, 'known-model');
    assert.equal(line?.completion_tokens, 8);
  });

  test('a refused call: its code in the row and the warning; an unrouted model is "other"', async () => {
    assert.equal((await post({ model: 'made-up', fail: true })).statusCode, 400);
    assert.equal(sample(await metricsOf(app), 'api_requests_total{model_name="other",status="400"}'), 1);
    assert.equal(rows.at(-1)!.errorCode, 'INVALID_REQUEST');
    assert.equal(rows.at(-1)!.model, 'made-up');
    assert.equal(logged('chat completion refused').at(-1)?.error_code, 'INVALID_REQUEST');
  });

  test('finishCall records a call once', async () => {
    await app.ready();
    const call: ApiCall = {
      ctx: context.active(),
      startedAt: performance.now(),
      promptTokens: 0,
      completionTokens: 0,
      stream: true,
      cached: false,
      model: 'known-model',
      key: keyRecord(),
    };
    const before = rows.length;
    app.finishCall(call, 200);
    app.finishCall(call, 200);
    assert.equal(rows.length, before + 1);
  });
});
