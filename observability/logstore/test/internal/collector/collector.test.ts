import assert from 'node:assert/strict';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Registry } from 'prom-client';
import { Collector } from '../../../src/internal/collector/collector.js';
import { createLogStore, type LogStore } from '../../../src/internal/http/server.js';

const root = mkdtempSync(join(tmpdir(), 'collector-'));
after(() => rmSync(root, { recursive: true, force: true }));

const cri = (content: string, tag: 'F' | 'P' = 'F', at = new Date()) =>
  `${at.toISOString()} stdout ${tag} ${content}\n`;
const jsonLine = (i: number, extra: Record<string, string> = {}) =>
  JSON.stringify({ timestamp: new Date().toISOString(), level: 'INFO', message: `line ${i}`, ...extra });

async function until(what: string, fn: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function storedLines(store: LogStore, selector: string): Promise<string[]> {
  const u = new URL(`${store.url}/loki/api/v1/query_range`);
  u.searchParams.set('query', selector);
  u.searchParams.set('limit', '5000');
  u.searchParams.set('start', String((Date.now() - 3_600_000) * 1e6));
  u.searchParams.set('end', String((Date.now() + 60_000) * 1e6));
  const body = (await (await fetch(u)).json()) as {
    data: { result: Array<{ values: Array<[string, string]> }> };
  };
  return body.data.result.flatMap((s) => s.values.map((v) => v[1]));
}

function newCollector(dir: string, url: string, registry = new Registry()): Collector {
  return new Collector({
    podsDir: join(dir, 'pods'),
    positionsFile: join(dir, 'positions.json'),
    url,
    registry,
    pollIntervalMs: 25,
    minBackoffMs: 20,
    maxBackoffMs: 100,
  });
}

test('tails CRI files, joins partial lines, labels and parses entries like the Alloy pipeline', async () => {
  const dir = join(root, 'basic');
  const pod = join(dir, 'pods', 'prod_model-router-5d9f_uid-1');
  mkdirSync(join(pod, 'router'), { recursive: true });
  writeFileSync(
    join(pod, 'labels.json'),
    JSON.stringify({ namespace: 'prod', app: 'model-router', pod: 'model-router-5d9f', container: 'router' }),
  );
  const full = JSON.stringify({
    timestamp: '2026-11-26T06:00:00.500Z',
    level: 'ERROR',
    message: 'routing failed',
    trace_id: 'abc-123-xyz-789',
    request_id: 'req-9',
    user_id: 'user-7',
  });
  // A time close to now, so the store's age limits accept it.
  const ts = new Date(Date.now() - 1000).toISOString();
  const withTs = full.replace('2026-11-26T06:00:00.500Z', ts);
  writeFileSync(
    join(pod, 'router', '0.log'),
    cri(withTs.slice(0, 20), 'P') +
      cri(withTs.slice(20, 50), 'P') +
      cri(withTs.slice(50)) +
      cri('plain stderr text'),
  );
  const other = join(dir, 'pods', 'prod_worker-1_uid-2');
  mkdirSync(join(other, 'worker'), { recursive: true });
  writeFileSync(join(other, 'worker', '0.log'), cri(jsonLine(1, { level: 'WARN' })));

  const store = createLogStore({ dataDir: ':memory:', port: 0 });
  await store.listen();
  const registry = new Registry();
  const c = newCollector(dir, store.url, registry);
  c.start();
  try {
    await until(
      'entries in the store',
      async () => (await storedLines(store, '{namespace="prod"}')).length === 3,
    );
    assert.deepEqual(await storedLines(store, '{trace_id="abc-123-xyz-789"}'), [withTs]);
    const u = new URL(`${store.url}/loki/api/v1/series`);
    u.searchParams.set('match[]', '{namespace="prod"}');
    const series = ((await (await fetch(u)).json()) as { data: Array<Record<string, string>> }).data;
    const key = (s: object) => JSON.stringify(Object.entries(s).sort());
    assert.deepEqual(
      series.map(key).sort(),
      [
        {
          namespace: 'prod',
          pod: 'model-router-5d9f',
          container: 'router',
          app: 'model-router',
          level: 'ERROR',
        },
        { namespace: 'prod', pod: 'model-router-5d9f', container: 'router', app: 'model-router' },
        { namespace: 'prod', pod: 'worker-1', container: 'worker', app: 'worker', level: 'WARN' },
      ]
        .map(key)
        .sort(),
    );
    const q = new URL(`${store.url}/loki/api/v1/query_range`);
    q.searchParams.set(
      'query',
      '{app="model-router", level="ERROR"} | user_id="user-7" | request_id="req-9"',
    );
    q.searchParams.set('start', String((Date.now() - 3_600_000) * 1e6));
    const body = (await (await fetch(q)).json()) as {
      data: { result: Array<{ values: Array<[string, string]> }> };
    };
    assert.equal(
      body.data.result[0]!.values[0]![0],
      String(BigInt(Date.parse(ts)) * 1_000_000n),
      'entry time is the log timestamp',
    );
    const metrics = await registry.metrics();
    assert.match(metrics, /opsight_collector_entries_sent_total 3/);
    assert.match(metrics, /opsight_collector_lag_bytes/);
  } finally {
    await c.stop();
    await store.close();
  }
});

test('at-least-once across restarts of the collector and the store, with file rotation; no duplicates stored', async () => {
  const dir = join(root, 'restarts');
  const podDir = join(dir, 'pods', 'prod_api-1_uid-3', 'api');
  mkdirSync(podDir, { recursive: true });
  const file = join(podDir, '0.log');
  let n = 0;
  const write = (count: number) => {
    let text = '';
    for (let i = 0; i < count; i++) text += cri(jsonLine(n++));
    appendFileSync(file, text);
  };
  const dataDir = join(dir, 'store');
  let store = createLogStore({ dataDir, port: 0 });
  await store.listen();
  const port = Number(new URL(store.url).port);
  let c = newCollector(dir, store.url);
  write(200);
  c.start();
  await until('first 200', async () => (await storedLines(store, '{app="api"}')).length === 200);

  // Restart the collector while lines keep coming.
  write(100);
  await c.stop();
  write(100);
  c = newCollector(dir, store.url);
  c.start();
  await until(
    '400 after a collector restart',
    async () => (await storedLines(store, '{app="api"}')).length === 400,
  );

  // The store goes away; the collector retries with back-off until it is back.
  await store.close();
  write(150);
  await new Promise((r) => setTimeout(r, 200));
  store = createLogStore({ dataDir, port });
  await store.listen();
  await until(
    '550 after a store restart',
    async () => (await storedLines(store, '{app="api"}')).length === 550,
  );

  // kubelet-style rotation: 0.log is renamed and a new 0.log starts.
  write(20);
  renameSync(file, `${file}.20261126-060000`);
  write(30);
  await until('600 after rotation', async () => (await storedLines(store, '{app="api"}')).length === 600);
  await c.stop();
  const lines = await storedLines(store, '{app="api"}');
  assert.equal(new Set(lines).size, 600, 'every line once');
  await store.close();
});

test('entries the store rejects for good are counted as dropped and not retried', async () => {
  const dir = join(root, 'dropped');
  const podDir = join(dir, 'pods', 'prod_old-1_uid-9', 'old');
  mkdirSync(podDir, { recursive: true });
  writeFileSync(
    join(podDir, '0.log'),
    cri(JSON.stringify({ timestamp: '2020-01-01T00:00:00.000Z', level: 'INFO', message: 'far too old' })) +
      cri(jsonLine(1)),
  );
  const store = createLogStore({ dataDir: ':memory:', port: 0 });
  await store.listen();
  const registry = new Registry();
  const c = newCollector(dir, store.url, registry);
  c.start();
  try {
    await until('the valid line', async () => (await storedLines(store, '{app="old"}')).length === 1);
    await until('dropped counted', async () =>
      /opsight_collector_entries_dropped_total\{reason="greater_than_max_sample_age"\} 1/.test(
        await registry.metrics(),
      ),
    );
    assert.match(await registry.metrics(), /opsight_collector_send_retries_total 0/);
  } finally {
    await c.stop();
    await store.close();
  }
});

test('between scans only tracked files are read (a renamed one through its handle); new files wait for the next scan', async () => {
  const dir = join(root, 'scans');
  const podDir = join(dir, 'pods', 'prod_api-1_uid-9', 'api');
  mkdirSync(podDir, { recursive: true });
  const file = join(podDir, '0.log');
  writeFileSync(file, cri(jsonLine(1)));
  const store = createLogStore({ dataDir: ':memory:', port: 0 });
  await store.listen();
  const positionsFile = join(dir, 'positions.json');
  const c = new Collector({
    podsDir: join(dir, 'pods'),
    positionsFile,
    url: store.url,
    registry: new Registry(),
    // Never on their own during the test: each poll below says whether it scans.
    pollIntervalMs: 60_000,
    scanIntervalMs: 60_000,
    positionsSaveIntervalMs: 60_000,
  });
  const stored = () => storedLines(store, '{namespace="prod"}');
  try {
    c.start();
    await until('the first scan', async () => (await stored()).length === 1);
    assert.equal(existsSync(positionsFile), true, 'the first poll saves the positions');
    const savedAfterFirst = readFileSync(positionsFile, 'utf8');

    // Rotation by rename, a line appended to the renamed file, and a new live file: without a scan, the
    // renamed file is still read through its open handle, and the new file is not seen.
    appendFileSync(file, cri(jsonLine(2)));
    renameSync(file, `${file}.20261126-060000`);
    appendFileSync(`${file}.20261126-060000`, cri(jsonLine(3)));
    writeFileSync(file, cri(jsonLine(4)));
    await c.poll(false);
    await until('lines 2 and 3', async () => (await stored()).length === 3);
    assert.deepEqual((await stored()).map((l) => JSON.parse(l).message).sort(), [
      'line 1',
      'line 2',
      'line 3',
    ]);
    assert.equal(
      readFileSync(positionsFile, 'utf8'),
      savedAfterFirst,
      'positions not saved within the interval',
    );

    await c.poll(true);
    await until('line 4 after the scan', async () => (await stored()).length === 4);
  } finally {
    await c.stop();
    await store.close();
  }
  assert.notEqual(readFileSync(positionsFile, 'utf8'), '', 'stop saves the positions');
});
