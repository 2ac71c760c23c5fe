// Stream lifecycle over HTTP: a flood fills the stream limit, its streams go idle (short idle period
// here), new streams are accepted again and the flood's data stays queryable.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogStore } from '../../../src/internal/http/server.js';

const nowNs = () => BigInt(Date.now()) * 1_000_000n;

test('after a flood, new streams are accepted again once the flood goes idle', async () => {
  const store = createLogStore({
    dataDir: ':memory:',
    port: 0,
    limits: { max_global_streams_per_user: 200, chunk_idle_period_ms: 300 },
  });
  const url = await store.listen();
  const push = (streams: unknown[]) =>
    fetch(`${url}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ streams }),
    });
  const activeStreams = async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    return Number(/^loki_ingester_memory_streams\{tenant="fake"\} (\d+)/m.exec(text)?.[1]);
  };
  try {
    const ts = nowNs().toString();
    const flood = Array.from({ length: 200 }, (_, i) => ({
      stream: { app: 'flood', pod: `p${i}` },
      values: [[ts, `flood ${i}`]],
    }));
    assert.equal((await push(flood)).status, 204);
    assert.equal(await activeStreams(), 200);

    const refused = await push([{ stream: { app: 'new' }, values: [[nowNs().toString(), 'refused']] }]);
    assert.equal(refused.status, 429);
    const body = (await refused.json()) as {
      code: string;
      errors: Array<{ code: string; reason: string; stream: string; streamIndex: number }>;
    };
    assert.equal(body.code, 'STREAM_LIMIT');
    assert.deepEqual(body.errors[0], {
      ...body.errors[0],
      code: 'STREAM_LIMIT',
      reason: 'stream_limit',
      stream: '{app="new"}',
      streamIndex: 0,
    });

    // Wait (no timing assertion) until the flood's streams have left the active set.
    while ((await activeStreams()) > 0) await new Promise((r) => setTimeout(r, 50));

    const accepted = await push([{ stream: { app: 'new' }, values: [[nowNs().toString(), 'accepted']] }]);
    assert.equal(accepted.status, 204, await accepted.text());
    assert.equal(await activeStreams(), 1);

    const u = new URL(`${url}/loki/api/v1/query_range`);
    u.searchParams.set('query', '{app="flood"}');
    u.searchParams.set('limit', '1000');
    const q = (await (await fetch(u)).json()) as { data: { result: Array<{ values: unknown[] }> } };
    assert.equal(
      q.data.result.reduce((n, s) => n + s.values.length, 0),
      200,
      'idle streams stay queryable',
    );
  } finally {
    await store.close();
  }
});
