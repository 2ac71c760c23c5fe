// The two bins as the supervisor runs them: the collector tails CRI files into the store, and the
// strategy's three queries (section 2.3) return the right data; restarting the collector with
// kill -9 loses no line and stores none twice.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const storeBin = fileURLToPath(new URL('../../src/bin/logstore.js', import.meta.url));
const collectorBin = fileURLToPath(new URL('../../src/bin/collector.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'logstore-bins-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function run(bin: string, args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`${bin} exited (${code}): ${out}`)));
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + 15_000;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const cri = (line: string) => `${new Date().toISOString()} stdout F ${line}\n`;

test("collector and store bins: the strategy's three queries", async () => {
  const pods = join(dir, 'pods');
  const router = join(pods, 'core-services_model-router-6c8d7-c3_uid-r1');
  const api = join(pods, 'core-services_api-service-7d4f9-a1_uid-a1');
  mkdirSync(join(router, 'model-router'), { recursive: true });
  mkdirSync(join(api, 'api-service'), { recursive: true });
  writeFileSync(
    join(router, 'labels.json'),
    JSON.stringify({
      namespace: 'core-services',
      app: 'model-router',
      pod: 'model-router-6c8d7-c3',
      container: 'model-router',
    }),
  );
  writeFileSync(
    join(api, 'labels.json'),
    JSON.stringify({
      namespace: 'core-services',
      app: 'api-service',
      pod: 'api-service-7d4f9-a1',
      container: 'api-service',
    }),
  );
  const t0 = Date.now() - 30_000;
  const at = (s: number) => new Date(t0 + s * 1000).toISOString();
  const routerLines = [
    {
      timestamp: at(1),
      level: 'INFO',
      service: 'model-router',
      message: 'Routing request to model gpt-4o',
      trace_id: 'abc-123-xyz-789',
      request_id: 'req-550e8400',
      user_id: 123,
      model_name: 'gpt-4o',
      latency_ms: 15,
    },
    {
      timestamp: at(2),
      level: 'ERROR',
      service: 'model-router',
      message: 'no healthy backend',
      trace_id: 'abc-123-xyz-789',
      request_id: 'req-550e8400',
      user_id: 123,
    },
    {
      timestamp: at(3),
      level: 'ERROR',
      service: 'model-router',
      message: 'backend timeout',
      trace_id: 'other-trace',
      request_id: 'req-2',
      user_id: 7,
    },
  ].map((l) => JSON.stringify(l));
  const apiLines = [
    {
      timestamp: at(1),
      level: 'INFO',
      service: 'api-service',
      message: 'request completed',
      trace_id: 'abc-123-xyz-789',
      request_id: 'req-550e8400',
      user_id: 123,
      path: '/v1/chat/completions',
      latency_ms: 120,
    },
    {
      timestamp: at(4),
      level: 'INFO',
      service: 'api-service',
      message: 'request completed',
      trace_id: 't-2',
      request_id: 'req-3',
      user_id: 8,
      path: '/v1/chat/completions',
      latency_ms: 60,
    },
    {
      timestamp: at(5),
      level: 'INFO',
      service: 'api-service',
      message: 'request completed',
      trace_id: 't-3',
      request_id: 'req-4',
      user_id: 9,
      path: '/v1/models',
      latency_ms: 30,
    },
  ].map((l) => JSON.stringify(l));
  writeFileSync(join(router, 'model-router', '0.log'), routerLines.map(cri).join(''));
  writeFileSync(join(api, 'api-service', '0.log'), apiLines.map(cri).join(''));

  const store = await run(storeBin, ['--listen', '127.0.0.1:0', '--data-dir', join(dir, 'store')]);
  const collectorArgs = [
    '--pods-dir',
    pods,
    '--positions',
    join(dir, 'positions.json'),
    '--url',
    store.url,
    '--listen',
    '127.0.0.1:0',
  ];
  let collector = await run(collectorBin, collectorArgs);
  await until('collector ready', async () =>
    (await fetch(`${collector.url}/ready`)).status === 200 ? true : undefined,
  );

  const q = async (path: string, params: Record<string, string>) => {
    const u = new URL(`${store.url}/loki/api/v1/${path}`);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    u.searchParams.set('start', String((t0 - 60_000) * 1e6));
    if (path === 'query_range') u.searchParams.set('limit', '1000');
    if (path === 'query_range') u.searchParams.set('end', String((Date.now() + 60_000) * 1e6));
    return (await (await fetch(u)).json()) as {
      data: {
        result: Array<{
          stream?: Record<string, string>;
          values: Array<[string | number, string]>;
          metric?: Record<string, string>;
        }>;
      };
    };
  };
  const lines = async (query: string) =>
    (await q('query_range', { query })).data.result.flatMap((s) => s.values.map((v) => v[1]));

  // 1. {app="model-router", level="ERROR"}
  const errors = await until('router errors', async () => {
    const l = await lines('{app="model-router", level="ERROR"}');
    return l.length === 2 ? l : undefined;
  });
  assert.deepEqual(errors, [routerLines[2], routerLines[1]]);
  // 2. {trace_id="abc-123-xyz-789"}: every service's lines of the trace, from the trace index.
  const traced = await until('trace', async () => {
    const l = await lines('{trace_id="abc-123-xyz-789"}');
    return l.length === 3 ? l : undefined;
  });
  assert.deepEqual(new Set(traced), new Set([routerLines[0], routerLines[1], apiLines[0]]));
  // 3. sum(rate({app="api-service"} | json | unwrap latency_ms [1m])) by (path), at a time that
  //    sees all three api lines in its one-minute window.
  await until('api lines', async () =>
    (await lines('{app="api-service"}')).length === 3 ? true : undefined,
  );
  const rate = await q('query', {
    query: 'sum(rate({app="api-service"} | json | unwrap latency_ms [1m])) by (path)',
    time: String((t0 + 10_000) * 1e6),
  });
  const byPath = Object.fromEntries(
    rate.data.result.map((r) => [r.metric!.path, (r as unknown as { value: [number, string] }).value[1]]),
  );
  assert.deepEqual(byPath, { '/v1/chat/completions': String(180 / 60), '/v1/models': '0.5' });

  // kill -9 the collector while more lines arrive, start it again: every line once.
  const more = Array.from({ length: 300 }, (_, i) =>
    JSON.stringify({
      timestamp: new Date().toISOString(),
      level: 'INFO',
      message: `more ${i}`,
      path: '/v1/models',
      latency_ms: i,
    }),
  );
  appendFileSync(join(api, 'api-service', '0.log'), more.slice(0, 150).map(cri).join(''));
  await new Promise((r) => setTimeout(r, 100));
  collector.child.kill('SIGKILL');
  appendFileSync(join(api, 'api-service', '0.log'), more.slice(150).map(cri).join(''));
  collector = await run(collectorBin, collectorArgs);
  const all = await until('303 api lines', async () => {
    const l = await lines('{app="api-service"}');
    return l.length >= 303 ? l : undefined;
  });
  await new Promise((r) => setTimeout(r, 300));
  const final = await lines('{app="api-service"}');
  assert.equal(final.length, 303, `${all.length} then ${final.length}`);
  assert.equal(new Set(final).size, 303);
  const metrics = await (await fetch(`${collector.url}/metrics`)).text();
  assert.match(metrics, /opsight_collector_entries_sent_total/);
  for (const path of ['/readyz', '/healthz'])
    assert.equal((await fetch(`${collector.url}${path}`)).status, 200, path);
  assert.equal((await fetch(`${collector.url}/nowhere`)).status, 404);
  collector.child.kill('SIGTERM');
  store.child.kill('SIGTERM');
  await Promise.all([
    new Promise((r) => collector.child.once('exit', r)),
    new Promise((r) => store.child.once('exit', r)),
  ]);
});
