// Push limits over HTTP: the body limit holds on the wire and once decompressed (413 with a stable
// code, nothing stored), and entries over the line, age and future limits are rejected one by one.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createLogStore, type LogStore } from '../../../src/internal/http/server.js';
import { encodePushProtobuf } from '../../../src/internal/push/decode-push.js';

const MiB = 1024 * 1024;
let store: LogStore;
let url: string;
before(async () => {
  store = createLogStore({ dataDir: ':memory:', port: 0, maxBodyBytes: MiB });
  url = await store.listen();
});
after(() => store.close());

const nowNs = () => BigInt(Date.now()) * 1_000_000n;
const push = (body: Uint8Array | string, headers: Record<string, string>) =>
  fetch(`${url}/loki/api/v1/push`, { method: 'POST', headers, body });

test('a gzip bomb under the wire limit but over it decompressed gets 413 REQUEST_BODY_TOO_LARGE; nothing stored', async () => {
  const line = 'y'.repeat(1000);
  const values = Array.from({ length: 2000 }, (_, i) => [nowNs().toString(), `${i} ${line}`]);
  const body = gzipSync(JSON.stringify({ streams: [{ stream: { app: 'bomb' }, values }] }));
  assert.ok(body.length < MiB);
  const r = await push(body, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
  assert.equal(r.status, 413);
  const err = (await r.json()) as { code: string; error: string };
  assert.equal(err.code, 'REQUEST_BODY_TOO_LARGE');
  assert.match(err.error, /limit of 1048576 bytes/);
  assert.equal(store.storage.findStream('fake', { app: 'bomb' }), undefined);
});

test('a snappy protobuf body over the limit once decompressed gets 413', async () => {
  const entries = Array.from({ length: 3000 }, (_, i) => ({ ts: nowNs(), line: `${i} ${'z'.repeat(500)}` }));
  const body = encodePushProtobuf([{ labels: '{app="snappy-bomb"}', entries }]);
  assert.ok(body.length < MiB, `compressed ${body.length}`);
  const r = await push(body, { 'content-type': 'application/x-protobuf' });
  assert.equal(r.status, 413);
  assert.equal(((await r.json()) as { code: string }).code, 'REQUEST_BODY_TOO_LARGE');
});

test('a body over the limit on the wire gets a 413 JSON answer', async () => {
  const r = await push('x'.repeat(MiB + 10), { 'content-type': 'application/json' });
  assert.equal(r.status, 413);
  assert.equal(((await r.json()) as { code: string }).code, 'REQUEST_BODY_TOO_LARGE');
  // The store still answers.
  assert.equal((await fetch(`${url}/ready`)).status, 200);
});

test("the 400 body lists each rejected entry with code, reason, stream and index, in Loki's words too", async () => {
  const now = nowNs();
  const r = await push(
    JSON.stringify({
      streams: [
        {
          stream: { app: 'per-entry' },
          values: [
            [now.toString(), 'kept'],
            [(now + 11n * 60_000_000_000n).toString(), 'future'],
            [(now - 8n * 24n * 3600_000_000_000n).toString(), 'ancient'],
          ],
        },
      ],
    }),
    { 'content-type': 'application/json' },
  );
  assert.equal(r.status, 400);
  const body = (await r.json()) as {
    code: string;
    error: string;
    accepted: number;
    errors: Array<Record<string, unknown>>;
  };
  assert.equal(body.accepted, 1);
  assert.match(body.error, /entry for stream '\{app="per-entry"\}' has timestamp too new: /);
  assert.match(body.error, /entry for stream '\{app="per-entry"\}' has timestamp too old: /);
  assert.deepEqual(
    body.errors.map((e) => [e.code, e.reason, e.stream, e.streamIndex, e.entryIndex]),
    [
      ['TIMESTAMP_TOO_NEW', 'too_far_in_future', '{app="per-entry"}', 0, 1],
      ['TIMESTAMP_TOO_OLD', 'greater_than_max_sample_age', '{app="per-entry"}', 0, 2],
    ],
  );
});
