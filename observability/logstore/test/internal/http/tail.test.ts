import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { createLogStore, type LogStore } from '../../../src/internal/http/server.js';

let store: LogStore;
before(async () => {
  store = createLogStore({ dataDir: ':memory:', port: 0 });
  await store.listen();
});
after(() => store.close());

const push = (app: string, line: string, md?: Record<string, string>) =>
  fetch(`${store.url}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      streams: [
        {
          stream: { app },
          values: [md ? [String(Date.now() * 1e6), line, md] : [String(Date.now() * 1e6), line]],
        },
      ],
    }),
  });

test('tail sends history, then new matching lines through the pipeline', async () => {
  await push('tailed', 'keep from before');
  await push('tailed', 'not from before');
  const ws = new WebSocket(
    `${store.url.replace('http', 'ws')}/loki/api/v1/tail?query=${encodeURIComponent('{app="tailed"} |= "keep"')}`,
  );
  const got: string[] = [];
  ws.on('message', (m) => {
    const msg = JSON.parse(m.toString()) as { streams: Array<{ values: Array<[string, string]> }> };
    for (const s of msg.streams) for (const v of s.values) got.push(v[1]);
  });
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  await push('tailed', 'keep me');
  await push('tailed', 'drop me');
  await push('other', 'keep but other stream');
  const end = Date.now() + 5000;
  while (got.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(got, ['keep from before', 'keep me']);
  ws.close();
});

test('tail with a bad query is refused', async () => {
  const ws = new WebSocket(
    `${store.url.replace('http', 'ws')}/loki/api/v1/tail?query=${encodeURIComponent('{app=')}`,
  );
  const status = await new Promise<number>((resolve) => {
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(-1));
  });
  assert.equal(status, 400);
});
