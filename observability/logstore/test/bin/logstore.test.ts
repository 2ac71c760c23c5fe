// Durability: every push acknowledged with 204 is still there after kill -9 of the store.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encodePushProtobuf } from '../../src/internal/push/decode-push.js';

const bin = fileURLToPath(new URL('../../src/bin/logstore.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'logstore-kill-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function start(extra: string[] = []): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [bin, '--listen', '127.0.0.1:0', '--data-dir', dir, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`logstore exited early (${code}): ${out}`)));
  });
}

test('kill -9 during a push loop loses no acknowledged line', async () => {
  const { child, url } = await start();
  const acked: string[] = [];
  let seq = 0;
  const base = BigInt(Date.now()) * 1_000_000n;
  const loop = (async () => {
    for (;;) {
      const batch = Array.from({ length: 10 }, () => {
        const n = seq++;
        return [(base + BigInt(n)).toString(), `line ${n}`] as [string, string];
      });
      try {
        const r = await fetch(`${url}/loki/api/v1/push`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ streams: [{ stream: { app: 'durable' }, values: batch }] }),
        });
        if (r.status === 204) acked.push(...batch.map((b) => b[1]));
      } catch {
        return; // the store is gone
      }
    }
  })();
  while (acked.length < 1500) await new Promise((r) => setTimeout(r, 5));
  child.kill('SIGKILL');
  await loop;
  const again = await start();
  const u = new URL(`${again.url}/loki/api/v1/query_range`);
  u.searchParams.set('query', '{app="durable"}');
  u.searchParams.set('limit', '5000');
  u.searchParams.set('start', (base - 1n).toString());
  u.searchParams.set('end', (base + 100_000n).toString());
  const body = (await (await fetch(u)).json()) as {
    data: { result: Array<{ values: Array<[string, string]> }> };
  };
  const stored = new Set(body.data.result.flatMap((s) => s.values.map((v) => v[1])));
  const lost = acked.filter((l) => !stored.has(l));
  assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged lines lost`);
  again.child.kill('SIGTERM');
  await new Promise((r) => again.child.once('exit', r));
});

test('kill -9 while two clients push protobuf batches (committed in groups) loses no acknowledged line', async () => {
  const { child, url } = await start();
  const acked: string[] = [];
  let seq = 0;
  const base = BigInt(Date.now()) * 1_000_000n;
  const client = async (app: string) => {
    for (;;) {
      const entries = Array.from({ length: 200 }, () => {
        const n = seq++;
        return { ts: base + BigInt(n), line: `proto ${n} ${'q'.repeat(120)}` };
      });
      try {
        const r = await fetch(`${url}/loki/api/v1/push`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body: encodePushProtobuf([{ labels: `{app="${app}"}`, entries }]),
        });
        if (r.status === 204) acked.push(...entries.map((e) => e.line.split(' ', 2).join(' ')));
      } catch {
        return; // the store is gone
      }
    }
  };
  const clients = Promise.all([client('proto-a'), client('proto-b')]);
  while (acked.length < 6000) await new Promise((r) => setTimeout(r, 5));
  child.kill('SIGKILL');
  await clients;
  const again = await start(['--limit', 'max_entries_limit_per_query=1000000']);
  const u = new URL(`${again.url}/loki/api/v1/query_range`);
  u.searchParams.set('query', '{app=~"proto-.+"}');
  u.searchParams.set('limit', '1000000');
  u.searchParams.set('start', (base - 1n).toString());
  u.searchParams.set('end', (base + 10_000_000n).toString());
  const body = (await (await fetch(u)).json()) as {
    data: { result: Array<{ values: Array<[string, string]> }> };
  };
  const stored = new Set(body.data.result.flatMap((s) => s.values.map((v) => v[1].split(' ', 2).join(' '))));
  const lost = acked.filter((l) => !stored.has(l));
  assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged lines lost`);
  again.child.kill('SIGTERM');
  await new Promise((r) => again.child.once('exit', r));
});

test('the lifecycle, line and budget flags are taken: --stream-idle-period, --limit max_line_size_truncate, --retention-bytes', async () => {
  const { child, url } = await start([
    '--stream-idle-period',
    '1s',
    '--limit',
    'max_line_size_truncate=true',
    '--limit',
    'max_line_size=10',
    '--retention-bytes',
    '64MB',
  ]);
  try {
    const r = await fetch(`${url}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        streams: [
          { stream: { app: 'flags' }, values: [[`${Date.now()}000000`, 'a line longer than ten bytes']] },
        ],
      }),
    });
    assert.equal(r.status, 204, await r.text());
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /^opsight_logstore_retention_budget_bytes 64000000$/m);
    assert.match(metrics, /^loki_mutated_samples_total\{reason="line_too_long",tenant="fake"\} 1$/m);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
});

test('a start makes a world-readable data directory and database private again, and says so', async () => {
  const data = join(dir, 'modes');
  mkdirSync(data);
  chmodSync(data, 0o755);
  // A database left 0644 (an older release, a copy); the store opens it and must not leave it readable.
  const first = await start(['--data-dir', data]);
  first.child.kill('SIGTERM');
  await new Promise((r) => first.child.once('exit', r));
  const db = join(data, 'logs.sqlite');
  assert.equal(statSync(db).mode & 0o777, 0o600, 'a new database is born 0600');
  chmodSync(data, 0o755);
  chmodSync(db, 0o644);
  writeFileSync(`${db}-wal`, '');
  chmodSync(`${db}-wal`, 0o644);
  const child = spawn(process.execPath, [bin, '--listen', '127.0.0.1:0', '--data-dir', data], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`logstore exited early (${code}): ${out}${stderr}`)));
  });
  assert.equal(statSync(data).mode & 0o777, 0o700);
  assert.equal(statSync(db).mode & 0o777, 0o600);
  assert.equal(statSync(`${db}-wal`).mode & 0o777, 0o600);
  const fixes = stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: string; path: string; mode_before: string });
  assert.deepEqual(
    fixes.map((f) => [f.level, f.path, f.mode_before]),
    [
      ['WARN', data, '0755'],
      ['WARN', db, '0644'],
      ['WARN', `${db}-wal`, '0644'],
    ],
  );
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
});

test('--sqlite-driver: a database written on one driver is read and extended on the other', async () => {
  const data = join(dir, 'drivers');
  const base = BigInt(Date.now()) * 1_000_000n;
  const push = (url: string, n: number) =>
    fetch(`${url}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        streams: [{ stream: { app: 'drivers' }, values: [[(base + BigInt(n)).toString(), `line ${n}`]] }],
      }),
    });
  const lines = async (url: string) => {
    const u = new URL(`${url}/loki/api/v1/query_range`);
    u.searchParams.set('query', '{app="drivers"}');
    u.searchParams.set('direction', 'forward');
    u.searchParams.set('start', (base - 1n).toString());
    u.searchParams.set('end', (base + 10n).toString());
    const body = (await (await fetch(u)).json()) as { data: { result: Array<{ values: string[][] }> } };
    return body.data.result.flatMap((s) => s.values.map((v) => v[1]));
  };
  const stop = async (child: ChildProcess) => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  const first = await start(['--data-dir', data, '--sqlite-driver', 'better-sqlite3']);
  assert.equal((await push(first.url, 1)).status, 204);
  await stop(first.child);
  const second = await start(['--data-dir', data, '--sqlite-driver', 'node:sqlite']);
  assert.equal((await push(second.url, 2)).status, 204);
  assert.deepEqual(await lines(second.url), ['line 1', 'line 2']);
  await stop(second.child);
  const third = await start(['--data-dir', data]);
  assert.deepEqual(await lines(third.url), ['line 1', 'line 2']);
  await stop(third.child);
});

test('--sqlite-driver names a driver, or the store exits 2', async () => {
  const child = spawn(process.execPath, [bin, '--data-dir', dir, '--sqlite-driver', 'sqlite3'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const [code] = (await once(child, 'exit')) as [number];
  assert.equal(code, 2);
  assert.match(stderr, /unknown SQLite driver sqlite3 \(one of: better-sqlite3, node:sqlite\)/);
});

test('the query flags are taken: --max-query-length bounds a range, --max-query-parallelism 0 disables querying', async () => {
  const stop = async (child: ChildProcess) => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  const q = (url: string, range: bigint) => {
    const end = BigInt(Date.now()) * 1_000_000n;
    const p = new URLSearchParams({ query: '{app="x"}', start: String(end - range), end: String(end) });
    return fetch(`${url}/loki/api/v1/query_range?${p}`);
  };
  const HOUR = 3_600_000_000_000n;
  const first = await start(['--max-query-length', '2h', '--query-timeout', '90s']);
  try {
    assert.equal((await q(first.url, 2n * HOUR)).status, 200);
    const r = await q(first.url, 3n * HOUR);
    assert.equal(r.status, 400);
    const body = (await r.json()) as { code: string; error: string };
    assert.equal(body.code, 'QUERY_TOO_LONG');
    assert.match(body.error, /limit: 2h0m0s\)$/);
  } finally {
    await stop(first.child);
  }
  const second = await start(['--max-query-parallelism', '0']);
  try {
    const r = await q(second.url, HOUR);
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { code: string }).code, 'QUERYING_DISABLED');
  } finally {
    await stop(second.child);
  }
});

test('a query flag with a bad value makes the store exit 2', async () => {
  const child = spawn(process.execPath, [bin, '--data-dir', dir, '--query-timeout', 'soon'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const [code] = (await once(child, 'exit')) as [number];
  assert.equal(code, 2);
  assert.match(stderr, /--query-timeout takes a duration such as 1m or 721h/);
});

test('--query-workers: queries answered in workers and on the main thread are the same; a bad value exits 2', async () => {
  const pushed = await start(['--query-workers', '0']);
  const ts = BigInt(Date.now()) * 1_000_000n - 5_000_000_000n;
  const body = JSON.stringify({
    streams: [
      {
        stream: { app: 'workers' },
        values: [
          [String(ts), 'one line'],
          [String(ts + 1n), 'two'],
        ],
      },
    ],
  });
  const ask = async (url: string) => {
    const p = new URLSearchParams({ query: '{app="workers"} |= "line"', start: String(ts - 1n) });
    const r = await fetch(`${url}/loki/api/v1/query_range?${p}`);
    assert.equal(r.status, 200);
    return ((await r.json()) as { data: { result: unknown } }).data.result;
  };
  let inline: unknown;
  try {
    const r = await fetch(`${pushed.url}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.equal(r.status, 204);
    inline = await ask(pushed.url);
    assert.deepEqual(inline, [{ stream: { app: 'workers' }, values: [[String(ts), 'one line']] }]);
  } finally {
    pushed.child.kill('SIGTERM');
    await once(pushed.child, 'exit');
  }
  const pooled = await start(['--query-workers', '2']);
  try {
    assert.deepEqual(await ask(pooled.url), inline);
  } finally {
    pooled.child.kill('SIGTERM');
    await once(pooled.child, 'exit');
  }
  const child = spawn(process.execPath, [bin, '--data-dir', dir, '--query-workers', 'all'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const [code] = (await once(child, 'exit')) as [number];
  assert.equal(code, 2);
  assert.match(stderr, /--query-workers takes a whole number/);
});
