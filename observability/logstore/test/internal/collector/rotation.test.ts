// Rotation, restarts and refusals against a real store, counting lines written against lines stored.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Registry } from 'prom-client';
import { Collector, type CollectorOptions } from '../../../src/internal/collector/collector.js';
import { createLogStore, type LogStore } from '../../../src/internal/http/server.js';
import type { Limits } from '../../../src/internal/limits.js';

const root = mkdtempSync(join(tmpdir(), 'collector-rotation-'));
after(() => rmSync(root, { recursive: true, force: true }));

const cri = (content: string, at = new Date()) => `${at.toISOString()} stdout F ${content}\n`;

async function until(what: string, fn: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function stored(store: LogStore, selector: string): Promise<string[]> {
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

async function metric(registry: Registry, name: string, labels = ''): Promise<number> {
  const text = await registry.metrics();
  const m = new RegExp(`^${name}${labels.replace(/[{}]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

async function newStore(limits: Partial<Limits> = {}, maxBodyBytes?: number): Promise<LogStore> {
  const store = createLogStore({
    dataDir: ':memory:',
    port: 0,
    limits,
    ...(maxBodyBytes ? { maxBodyBytes } : {}),
  });
  await store.listen();
  return store;
}

function collector(
  dir: string,
  url: string,
  registry: Registry,
  extra: Partial<CollectorOptions> = {},
): Collector {
  const c = new Collector({
    podsDir: join(dir, 'pods'),
    positionsFile: join(dir, 'positions.json'),
    url,
    registry,
    pollIntervalMs: 25,
    minBackoffMs: 20,
    maxBackoffMs: 100,
    rotatedGraceMs: 100,
    log: () => undefined,
    ...extra,
  });
  c.start();
  return c;
}

/** A container's log directory and a writer that numbers its lines. */
function container(dir: string, app: string) {
  const path = join(dir, 'pods', `prod_${app}-1_uid-${app}`, app);
  mkdirSync(path, { recursive: true });
  const file = join(path, '0.log');
  let n = 0;
  return {
    file,
    get written() {
      return n;
    },
    write(count: number, at?: Date) {
      let text = '';
      for (let i = 0; i < count; i++) text += cri(`${app} line ${n++}`, at);
      appendFileSync(file, text);
    },
  };
}

test('rename rotation: the renamed file is read to its end, including lines written after the rename and a last line without a newline', async () => {
  const dir = join(root, 'rename');
  const store = await newStore();
  const api = container(dir, 'api');
  const registry = new Registry();
  const c = collector(dir, store.url, registry);
  try {
    api.write(100);
    await until('first 100', async () => (await stored(store, '{app="api"}')).length === 100);
    // The kubelet renames the file; the runtime keeps writing to its open handle until it reopens.
    api.write(50);
    renameSync(api.file, `${api.file}.20261126-060000`);
    appendFileSync(`${api.file}.20261126-060000`, cri('api line after rename'));
    appendFileSync(
      `${api.file}.20261126-060000`,
      `${new Date().toISOString()} stdout F api last line, no newline`,
    );
    api.write(30);
    await until('all lines', async () => (await stored(store, '{app="api"}')).length === 182);
    const lines = await stored(store, '{app="api"}');
    assert.equal(new Set(lines).size, 182, 'each line once');
    assert.ok(lines.includes('api last line, no newline'));
    assert.ok(lines.includes('api line after rename'));
    // The rotated file is let go once finished: only the live file stays tracked.
    await until('rotated file let go', async () => (await metric(registry, 'opsight_collector_files')) === 1);
  } finally {
    await c.stop();
    await store.close();
  }
});

test('collector killed, then the file rotated while it is down (kubelet and supervisor names): 0 lost, 0 duplicated', async () => {
  for (const suffix of ['20261126-060000', '20261126T060000.123456789Z']) {
    const dir = join(root, `down-${suffix}`);
    const store = await newStore();
    const api = container(dir, 'api');
    let c = collector(dir, store.url, new Registry());
    api.write(300);
    await until('some shipped', async () => (await stored(store, '{app="api"}')).length > 0);
    api.write(200);
    // kill -9: nothing more is sent or saved; what was read and not acknowledged is not in the positions.
    await c.kill();
    api.write(100);
    renameSync(api.file, `${api.file}.${suffix}`);
    api.write(150);
    c = collector(dir, store.url, new Registry());
    try {
      await until('every line', async () => (await stored(store, '{app="api"}')).length === api.written);
      const lines = await stored(store, '{app="api"}');
      assert.equal(lines.length, 750);
      assert.equal(new Set(lines).size, 750);
    } finally {
      await c.stop();
      await store.close();
    }
  }
});

test('down longer than rotated files are kept: the deleted file is reported lost, the rest is shipped', async () => {
  const dir = join(root, 'too-long');
  const store = await newStore();
  const api = container(dir, 'api');
  let c = collector(dir, store.url, new Registry());
  api.write(100);
  await until('first 100', async () => (await stored(store, '{app="api"}')).length === 100);
  await c.stop();
  // Read but never acknowledged (the store is unreachable), then the collector stops.
  const registry1 = new Registry();
  c = collector(dir, 'http://127.0.0.1:1', registry1);
  api.write(40);
  const lostBytes = 40 * Buffer.byteLength(cri('api line 100'));
  await until('read', async () => (await metric(registry1, 'opsight_collector_lines_read_total')) === 40);
  await c.stop();
  // While it is down the file is rotated, then compressed away (deleted) by later rotations.
  renameSync(api.file, `${api.file}.20261126-060000`);
  unlinkSync(`${api.file}.20261126-060000`);
  api.write(20);
  const registry = new Registry();
  const messages: string[] = [];
  c = collector(dir, store.url, registry, { log: (l) => messages.push(l) });
  try {
    await until('the new file', async () => (await stored(store, '{app="api"}')).length === 120);
    const lost = await metric(registry, 'opsight_collector_lost_bytes_total', '{reason="rotated_away"}');
    assert.ok(Math.abs(lost - lostBytes) <= 40, `lost ${lost} bytes, expected about ${lostBytes}`);
    assert.ok(messages.some((m) => /deleted before it was read to its end/.test(m)));
  } finally {
    await c.stop();
    await store.close();
  }
});

test('copy-truncate is detected and the file read again from 0', async () => {
  const dir = join(root, 'truncate');
  const store = await newStore();
  const api = container(dir, 'api');
  const registry = new Registry();
  const c = collector(dir, store.url, registry);
  try {
    api.write(100);
    await until('first 100', async () => (await stored(store, '{app="api"}')).length === 100);
    truncateSync(api.file, 0);
    api.write(60);
    await until('after truncation', async () => (await stored(store, '{app="api"}')).length === 160);
    assert.equal(await metric(registry, 'opsight_collector_truncations_total'), 1);
  } finally {
    await c.stop();
    await store.close();
  }
});

test('a reused inode (same device and inode, other first bytes) is read from 0; version 1 positions are adopted', async () => {
  const dir = join(root, 'reused');
  const store = await newStore();
  const api = container(dir, 'api');
  api.write(80);
  const st = statSync(api.file);
  // A position saved for a file that had this inode before: another fingerprint, offset mid-file.
  writeFileSync(
    join(dir, 'positions.json'),
    JSON.stringify({
      version: 2,
      savedAt: Date.now(),
      files: [
        {
          dev: st.dev,
          ino: st.ino,
          fp: 'f'.repeat(64),
          fpLen: 1024,
          offset: 1000,
          size: 5000,
          path: api.file,
        },
      ],
    }),
  );
  let c = collector(dir, store.url, new Registry());
  try {
    await until('all 80', async () => (await stored(store, '{app="api"}')).length === 80);
  } finally {
    await c.stop();
  }
  // Version 1 positions (by path): adopted for the same inode.
  const web = container(dir, 'web');
  web.write(50);
  const half = readFileSync(web.file, 'utf8').split('\n').slice(0, 20).join('\n').length + 1;
  const doc = JSON.parse(readFileSync(join(dir, 'positions.json'), 'utf8')) as object;
  writeFileSync(
    join(dir, 'positions.json'),
    JSON.stringify({ ...doc, positions: { [web.file]: { offset: half, inode: statSync(web.file).ino } } }),
  );
  c = collector(dir, store.url, new Registry());
  try {
    await until(
      'web lines after the legacy offset',
      async () => (await stored(store, '{app="web"}')).length === 30,
    );
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await stored(store, '{app="web"}')).length, 30);
    assert.equal((await stored(store, '{app="api"}')).length, 80);
  } finally {
    await c.stop();
    await store.close();
  }
});

test('a stream refused by the stream limit does not hold back others; after the retry period it is dropped and counted', async () => {
  const dir = join(root, 'stream-limit');
  const store = await newStore({ max_global_streams_per_user: 1 });
  const api = container(dir, 'api');
  const web = container(dir, 'web');
  const registry = new Registry();
  const c = collector(dir, store.url, registry, { maxRetryPeriodMs: 1500 });
  try {
    api.write(10);
    await until('api stream created', async () => (await stored(store, '{app="api"}')).length === 10);
    // web is a new stream over the limit; its lines are 30 s old so the lag shows them.
    web.write(40, new Date(Date.now() - 30_000));
    for (let i = 0; i < 5; i++) {
      api.write(100);
      await new Promise((r) => setTimeout(r, 50));
    }
    await until('api keeps flowing', async () => (await stored(store, '{app="api"}')).length === 510);
    assert.ok(
      (await metric(registry, 'opsight_collector_lag_seconds')) >= 25,
      'lag measures the stuck stream',
    );
    assert.equal(
      await metric(registry, 'opsight_collector_entries_dropped_total', '{reason="stream_limit"}'),
      0,
    );
    await until(
      'web dropped after the retry period',
      async () =>
        (await metric(registry, 'opsight_collector_entries_dropped_total', '{reason="stream_limit"}')) === 40,
    );
    assert.equal((await stored(store, '{app="web"}')).length, 0);
    // The position passed the dropped entries: a restart does not send them again.
    await until('lag back to 0', async () => (await metric(registry, 'opsight_collector_lag_seconds')) === 0);
    const sent = await metric(registry, 'opsight_collector_entries_sent_total');
    assert.equal(sent, 510);
  } finally {
    await c.stop();
    await store.close();
  }
  const pos = JSON.parse(readFileSync(join(dir, 'positions.json'), 'utf8')) as {
    files: Array<{ path: string; offset: number }>;
  };
  assert.equal(pos.files.find((f) => f.path === web.file)?.offset, statSync(web.file).size);
});

test('400 per entry: the rejected entries are dropped and counted by reason, the rest of the push is stored', async () => {
  const dir = join(root, 'per-entry');
  const store = await newStore({ max_line_size: 100 });
  const api = container(dir, 'api');
  const registry = new Registry();
  const c = collector(dir, store.url, registry);
  try {
    let text = '';
    for (let i = 0; i < 30; i++) text += cri(i % 3 === 0 ? `long ${i} ${'x'.repeat(200)}` : `short ${i}`);
    text += cri('too old', new Date('2020-01-01T00:00:00Z'));
    appendFileSync(api.file, text);
    await until('short lines', async () => (await stored(store, '{app="api"}')).length === 20);
    await until(
      'drops counted',
      async () =>
        (await metric(registry, 'opsight_collector_entries_dropped_total', '{reason="line_too_long"}')) ===
          10 &&
        (await metric(
          registry,
          'opsight_collector_entries_dropped_total',
          '{reason="greater_than_max_sample_age"}',
        )) === 1,
    );
    assert.equal(await metric(registry, 'opsight_collector_send_retries_total'), 0);
  } finally {
    await c.stop();
    await store.close();
  }
});

/**
 * A front that answers 413 for bodies over `limit` bytes, as a gateway or Loki's distributor does, and
 * passes the rest to the store.
 */
async function sizeLimitedFront(
  store: LogStore,
  limit: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      if (body.length > limit) {
        res.writeHead(413, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'error', code: 'REQUEST_BODY_TOO_LARGE', error: 'too large' }));
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
      const r = await fetch(`${store.url}${req.url}`, { method: req.method ?? 'POST', headers, body });
      res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/plain' });
      res.end(Buffer.from(await r.arrayBuffer()));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

test('413: pushes are split until they fit; an entry too large alone is dropped', async () => {
  const dir = join(root, 'too-large');
  const store = await newStore();
  const front = await sizeLimitedFront(store, 4096);
  const api = container(dir, 'api');
  const registry = new Registry();
  const c = collector(dir, front.url, registry);
  try {
    let text = '';
    // Random text: snappy cannot shrink it below the body limit.
    for (let i = 0; i < 40; i++) text += cri(`line ${i} ${randomBytes(150).toString('base64')}`);
    text += cri(`huge ${randomBytes(8000).toString('base64')}`);
    appendFileSync(api.file, text);
    await until('the lines that fit', async () => (await stored(store, '{app="api"}')).length === 40);
    await until(
      'the huge one dropped',
      async () =>
        (await metric(
          registry,
          'opsight_collector_entries_dropped_total',
          '{reason="request_too_large"}',
        )) === 1,
    );
  } finally {
    await c.stop();
    await front.close();
    await store.close();
  }
});
