// The push routes with decode workers: the same answers as decoding on the main thread, for good bodies and
// for bad ones (400/413/415 with the same code and message).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createLogStore, type LogStore } from '../../../src/internal/http/server.js';
import { encodePushProtobuf } from '../../../src/internal/push/decode-push.js';

let withWorkers: LogStore;
let inline: LogStore;
before(async () => {
  const opts = {
    dataDir: ':memory:',
    port: 0,
    sealIntervalMs: 0,
    retentionMaxBytes: 0,
    maxBodyBytes: 1 << 20,
  };
  withWorkers = createLogStore({ ...opts, decodeWorkers: 2 });
  inline = createLogStore(opts);
  await withWorkers.listen();
  await inline.listen();
});
after(async () => {
  await withWorkers.close();
  await inline.close();
});

const nowNs = () => BigInt(Date.now()) * 1_000_000n;
/** Bodies of at least 16 KiB, so the workers decode them. */
const pad = 'x'.repeat(20_000);
const BODIES: Record<string, () => { body: Buffer; type: string; encoding?: string }> = {
  'a good protobuf push': () => ({
    type: 'application/x-protobuf',
    body: encodePushProtobuf([
      {
        labels: '{app="w"}',
        entries: Array.from({ length: 100 }, (_, i) => ({
          ts: nowNs() + BigInt(i),
          line: `line ${i} ${pad.slice(0, 300)}`,
          metadata: { trace_id: `t${i}` },
        })),
      },
    ]),
  }),
  'JSON that does not parse': () => ({ type: 'application/json', body: Buffer.from(`{"streams":[ "${pad}`) }),
  'snappy that does not decompress': () => ({
    type: 'application/x-protobuf',
    body: Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), Buffer.from(pad)]),
  }),
  'a gzip bomb': () => ({
    type: 'application/json',
    encoding: 'gzip',
    body: gzipSync(Buffer.alloc(4 << 20, 0x20)),
  }),
  'an unsupported encoding': () => ({ type: 'application/json', encoding: 'br', body: Buffer.from(pad) }),
};

async function push(store: LogStore, make: () => { body: Buffer; type: string; encoding?: string }) {
  const { body, type, encoding } = make();
  const r = await fetch(`${store.url}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': type, ...(encoding ? { 'content-encoding': encoding } : {}) },
    body,
  });
  const text = await r.text();
  return { status: r.status, body: text ? (JSON.parse(text) as unknown) : null };
}

for (const [name, make] of Object.entries(BODIES)) {
  test(`${name}: the same answer with decode workers as without`, async () => {
    const a = await push(withWorkers, make);
    const b = await push(inline, make);
    assert.deepEqual(a, b);
    if (name.startsWith('a good')) assert.equal(a.status, 204);
    else assert.ok(a.status >= 400 && a.status < 500, `refused: ${a.status}`);
  });
}

test('what the workers decoded is stored and found, also by trace id', async () => {
  const u = new URL(`${withWorkers.url}/loki/api/v1/query_range`);
  u.searchParams.set('query', '{trace_id="t42"}');
  u.searchParams.set('start', (nowNs() - 3_600_000_000_000n).toString());
  const r = (await (await fetch(u)).json()) as {
    data: { result: Array<{ values: Array<[string, string]> }> };
  };
  assert.deepEqual(
    r.data.result.flatMap((s) => s.values.map((v) => v[1].split(' ', 2).join(' '))),
    ['line 42'],
  );
});
