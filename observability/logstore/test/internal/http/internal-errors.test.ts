import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import WebSocket from 'ws';
import { createLogStore, type LogStore } from '../../../src/internal/http/server.js';

// Issue 14: a 500 says only the stable code; the error (message, code, stack) is in one log line. The
// query engine is made to throw an error whose text must not reach the client.
const SECRET = 'SQLITE_CORRUPT: /var/lib/logstore/logs.db page 4711';
const LEAK = /SQLITE|logs\.db|4711|\.js:\d+/;
const logged: Record<string, unknown>[] = [];
let store: LogStore;
let run: LogStore['engine']['run'];

before(async () => {
  store = createLogStore({ dataDir: ':memory:', port: 0, logError: (fields) => logged.push(fields) });
  await store.listen();
  run = store.engine.run;
});
afterEach(() => {
  logged.length = 0;
  store.engine.run = run;
});
after(() => store.close());

const failingEngine = () => {
  store.engine.run = () => {
    throw new Error(SECRET);
  };
};

test('a query that fails answers 500 INTERNAL without the error; the log line has it', async () => {
  failingEngine();
  const res = await fetch(`${store.url}/loki/api/v1/query_range?query=${encodeURIComponent('{app="a"}')}`);
  const text = await res.text();
  assert.equal(res.status, 500);
  assert.doesNotMatch(text, LEAK);
  assert.deepEqual(JSON.parse(text), { status: 'error', code: 'INTERNAL', error: 'internal error' });
  assert.equal(logged.length, 1);
  assert.equal(logged[0]!.message, 'request failed');
  assert.equal(logged[0]!.code, 'INTERNAL');
  assert.equal(logged[0]!.path, '/loki/api/v1/query_range');
  assert.equal(logged[0]!.error, SECRET);
  assert.match(String(logged[0]!.stack), /Error: SQLITE_CORRUPT/);
});

test('a tail whose history fails closes with 1011 "internal error"; the log line has the error', async () => {
  failingEngine();
  const ws = new WebSocket(
    `${store.url.replace('http', 'ws')}/loki/api/v1/tail?query=${encodeURIComponent('{app="a"}')}`,
  );
  const closed = await new Promise<{ code: number; reason: string }>((resolve, reject) => {
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    ws.once('error', reject);
  });
  assert.deepEqual(closed, { code: 1011, reason: 'internal error' });
  assert.equal(logged.length, 1);
  assert.equal(logged[0]!.message, 'tail failed');
  assert.equal(logged[0]!.error, SECRET);
});

test('client errors keep their message and field', async () => {
  const res = await fetch(
    `${store.url}/loki/api/v1/query_range?query=${encodeURIComponent('{app="a"}')}&limit=x`,
  );
  assert.equal(res.status, 400);
  const body = (await res.json()) as { code: string; field: string; error: string };
  assert.equal(body.code, 'INVALID_PARAMETER');
  assert.equal(body.field, 'limit');
  const bad = await fetch(`${store.url}/loki/api/v1/query_range?query=${encodeURIComponent('{app=')}`);
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { code: string }).code, 'INVALID_QUERY');
  assert.equal(logged.length, 0);
});
