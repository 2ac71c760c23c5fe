// The ruler's evaluation loop: each group on its interval without drift, never overlapping itself, a failing
// query counted and shown as the rule's health; and what it hands to Alertmanager and remote write.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import snappy from 'snappyjs';
import type { QueryOutput } from '../../../src/internal/api/log-store-api.js';
import { DEFAULT_LIMITS } from '../../../src/internal/limits.js';
import { QueryEngine } from '../../../src/internal/logql/engine.js';
import { Ruler, type RulerOptions } from '../../../src/internal/ruler/ruler.js';
import { LogStorage } from '../../../src/internal/storage/log-storage.js';
import { StoreMetrics } from '../../../src/internal/store-metrics.js';
import { decodeWriteRequest } from './write-request.js';

const dirs: string[] = [];
const storage = new LogStorage({ dataDir: ':memory:' });
const engine = new QueryEngine(storage, () => DEFAULT_LIMITS);
after(() => {
  storage.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Answer = (expr: string, timeMs: number) => Promise<{ metric: Record<string, string>; value: number }[]>;

function makeRuler(answer: Answer, options: Partial<RulerOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ruler-'));
  dirs.push(dir);
  const metrics = new StoreMetrics();
  const calls: { expr: string; timeMs: number; tenant: string }[] = [];
  const api = {
    engine,
    metrics,
    instantQuery: async (tenant: string, input: { query: string; time?: bigint }): Promise<QueryOutput> => {
      const timeMs = Number(input.time! / 1_000_000n);
      calls.push({ expr: input.query, timeMs, tenant });
      const result = await answer(input.query, timeMs);
      return {
        data: {
          resultType: 'vector',
          result: result.map((r) => ({ metric: r.metric, value: [timeMs / 1000, String(r.value)] })),
        },
        stats: {} as QueryOutput['stats'],
      };
    },
  };
  const ruler = new Ruler(api as never, { rulesDir: dir, ...options });
  ruler.load();
  ruler.start();
  return { ruler, calls, metrics };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const metricValue = async (metrics: StoreMetrics, name: string, labels: Record<string, string>) => {
  const m = (await metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
  return m.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
};

test('a group is evaluated at once, then every interval counted from the previous start', async () => {
  const { ruler, calls } = makeRuler(async () => []);
  await ruler.setGroup(
    't',
    'ns',
    'name: g\ninterval: 100ms\nrules:\n  - record: r\n    expr: sum(count_over_time({a="b"}[1m]))\n',
  );
  await sleep(560);
  await ruler.stop();
  const times = calls.map((c) => c.timeMs);
  assert.ok(times.length >= 4 && times.length <= 7, `${times.length} evaluations in 560 ms`);
  for (let i = 1; i < times.length; i++) {
    const gap = times[i]! - times[i - 1]!;
    assert.ok(gap >= 99, `evaluations ${gap} ms apart`);
  }
  // No drift: the n-th evaluation is due n intervals after the first (timers only ever fire late, a little).
  const last = times.length - 1;
  assert.ok(
    times[last]! - times[0]! < last * 100 + 60,
    `drifted: ${times[last]! - times[0]!} ms for ${last}`,
  );
  assert.ok(calls.every((c) => c.tenant === 't'));
});

test('an evaluation never overlaps the previous one; the due times it ran past are counted as missed', async () => {
  let running = 0;
  let most = 0;
  const { ruler, calls, metrics } = makeRuler(async () => {
    running++;
    most = Math.max(most, running);
    await sleep(130);
    running--;
    return [];
  });
  await ruler.setGroup(
    't',
    'ns',
    'name: slow\ninterval: 50ms\nrules:\n  - record: r\n    expr: sum(count_over_time({a="b"}[1m]))\n',
  );
  await sleep(600);
  await ruler.stop();
  assert.equal(most, 1, 'one evaluation at a time');
  assert.ok(calls.length >= 3, `${calls.length} evaluations`);
  const missed = await metricValue(metrics, 'loki_prometheus_rule_group_iterations_missed_total', {
    rule_group: 'ns;slow',
  });
  assert.ok((missed ?? 0) >= 2, `missed ${missed}`);
});

test('a failing query is counted, shown as the rule’s health and lastError, and the other rules still run', async () => {
  const { ruler, metrics } = makeRuler(async (expr) => {
    if (expr.includes('bad')) throw new Error('query timed out after 1ms (query_timeout)');
    return [{ metric: { app: 'x' }, value: 3 }];
  });
  await ruler.setGroup(
    't',
    'ns',
    'name: g\ninterval: 1h\nrules:\n  - record: broken\n    expr: sum(count_over_time({a="bad"}[1m]))\n  - record: fine\n    expr: sum(count_over_time({a="good"}[1m]))\n',
  );
  await sleep(50);
  const [state] = ruler.groupStates('t');
  assert.equal(state!.rules[0]!.health, 'err');
  assert.match(state!.rules[0]!.lastError ?? '', /timed out/);
  assert.equal(state!.rules[1]!.health, 'ok');
  const labels = { user: 't', rule_group: 'ns;g' };
  assert.equal(await metricValue(metrics, 'loki_prometheus_rule_evaluation_failures_total', labels), 1);
  assert.equal(await metricValue(metrics, 'loki_prometheus_rule_evaluations_total', labels), 2);
  assert.ok(
    (await metricValue(metrics, 'loki_prometheus_rule_group_last_evaluation_timestamp_seconds', labels))! > 0,
  );
  assert.equal(await metricValue(metrics, 'loki_prometheus_rule_group_interval_seconds', labels), 3600);
  await ruler.stop();
});

/** A local HTTP receiver that records requests; `status` picks its answer. */
async function receiver(status: () => number = () => 200) {
  const requests: { path: string; headers: IncomingMessage['headers']; body: Buffer }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(status()).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test('a firing alert goes to Alertmanager’s v2 API, is resent after the resend delay, and is sent resolved', async () => {
  const am = await receiver();
  let value = 5;
  const { ruler, metrics } = makeRuler(async () => (value > 0 ? [{ metric: { app: 'api' }, value }] : []), {
    alertmanagerUrls: [am.url],
    alertmanagerAuthorization: 'Basic b3BzaWdodDpzZWNyZXQ=',
    resendDelayMs: 150,
  });
  try {
    await ruler.setGroup(
      't',
      'ns',
      'name: g\ninterval: 50ms\nrules:\n  - alert: Errors\n    expr: sum by (app) (count_over_time({a="b"}[1m])) > 1\n    for: 100ms\n    labels:\n      severity: page\n    annotations:\n      summary: "{{ $labels.app }} {{ $value }}"\n',
    );
    await sleep(480);
    await ruler.idle();
    const firing = am.requests.filter((r) => r.path === '/api/v2/alerts');
    assert.ok(firing.length >= 2, `sent ${firing.length} times: at firing and resent`);
    assert.ok(firing.length <= 4, `sent ${firing.length} times: not on every evaluation`);
    const first = firing[0]!;
    assert.equal(first.headers['content-type'], 'application/json');
    assert.equal(first.headers.authorization, 'Basic b3BzaWdodDpzZWNyZXQ=');
    const [alert] = JSON.parse(first.body.toString()) as {
      labels: Record<string, string>;
      annotations: Record<string, string>;
      startsAt: string;
      endsAt: string;
      generatorURL: string;
    }[];
    assert.deepEqual(alert!.labels, { app: 'api', severity: 'page', alertname: 'Errors' });
    assert.equal(alert!.annotations.summary, 'api 5');
    // endsAt = now + 4 × max(resend delay, interval), as Prometheus sets it.
    const validFor = Date.parse(alert!.endsAt) - Date.parse(alert!.startsAt);
    assert.ok(validFor >= 4 * 150 - 5 && validFor <= 4 * 150 + 200, `valid for ${validFor} ms`);
    const state = ruler.groupStates('t')[0]!;
    assert.equal(state.alerts[0]!.alerts[0]!.state, 'firing');

    value = 0;
    const before = am.requests.length;
    await sleep(150);
    await ruler.idle();
    const resolved = am.requests
      .slice(before)
      .map((r) => JSON.parse(r.body.toString())[0] as { endsAt: string });
    assert.ok(resolved.length >= 1, 'the resolution is sent');
    assert.ok(Date.parse(resolved[0]!.endsAt) <= Date.now(), 'endsAt is the resolution time');
    assert.ok((await metricValue(metrics, 'loki_prometheus_notifications_sent_total', { user: 't' }))! >= 3);
  } finally {
    await ruler.stop();
    await am.close();
  }
});

test('a down Alertmanager never holds up evaluation: errors are counted, alerts dropped, the loop goes on', async () => {
  const am = await receiver(() => 503);
  const { ruler, calls, metrics } = makeRuler(async () => [{ metric: { app: 'api' }, value: 5 }], {
    alertmanagerUrls: [am.url, 'http://127.0.0.1:1'],
    resendDelayMs: 0,
  });
  try {
    await ruler.setGroup(
      't',
      'ns',
      'name: g\ninterval: 40ms\nrules:\n  - alert: A\n    expr: sum(count_over_time({a="b"}[1m])) > 1\n',
    );
    await sleep(300);
    assert.ok(calls.length >= 5, `${calls.length} evaluations while Alertmanager fails`);
    await ruler.idle();
    assert.ok(
      (await metricValue(metrics, 'loki_prometheus_notifications_errors_total', { user: 't' }))! >= 1,
    );
    assert.ok(
      (await metricValue(metrics, 'loki_prometheus_notifications_dropped_total', { user: 't' }))! >= 1,
    );
  } finally {
    await ruler.stop();
    await am.close();
  }
});

test('recorded samples and ALERTS go by remote write 1.0: snappy protobuf with the protocol headers', async () => {
  const prom = await receiver(() => 204);
  const { ruler, metrics } = makeRuler(
    async (expr) =>
      expr.includes('rec')
        ? [{ metric: { app: 'api', level: 'INFO' }, value: 7 }]
        : [{ metric: { app: 'api' }, value: 2 }],
    { remoteWriteUrl: `${prom.url}/api/v1/write` },
  );
  try {
    await ruler.setGroup(
      't',
      'ns',
      'name: g\ninterval: 1h\nrules:\n  - record: app:lines:count\n    expr: sum(count_over_time({a="rec"}[1m]))\n    labels:\n      source: logs\n  - alert: A\n    expr: sum(count_over_time({a="b"}[1m])) > 1\n',
    );
    await sleep(50);
    await ruler.idle();
    assert.equal(prom.requests.length, 1);
    const req = prom.requests[0]!;
    assert.equal(req.path, '/api/v1/write');
    assert.equal(req.headers['content-type'], 'application/x-protobuf');
    assert.equal(req.headers['content-encoding'], 'snappy');
    assert.equal(req.headers['x-prometheus-remote-write-version'], '0.1.0');
    const series = decodeWriteRequest(snappy.uncompress(req.body));
    const recorded = series.find((s) => s.labels.__name__ === 'app:lines:count')!;
    assert.deepEqual(recorded.labels, {
      __name__: 'app:lines:count',
      app: 'api',
      level: 'INFO',
      source: 'logs',
    });
    assert.equal(recorded.samples[0]!.value, 7);
    assert.ok(Math.abs(recorded.samples[0]!.timestampMs - Date.now()) < 5000);
    const alerts = series.find((s) => s.labels.__name__ === 'ALERTS')!;
    assert.equal(alerts.labels.alertstate, 'firing');
    assert.deepEqual(Object.keys(recorded.labels), Object.keys(recorded.labels).sort(), 'labels sorted');
    assert.equal(
      await metricValue(metrics, 'opsight_logstore_ruler_remote_write_samples_total', { outcome: 'sent' }),
      series.length,
    );
  } finally {
    await ruler.stop();
    await prom.close();
  }
});

test('a remote-write receiver answering 5xx is retried; one answering 4xx is dropped and counted', async () => {
  let answers = [503, 204];
  const prom = await receiver(() => answers.shift() ?? 400);
  const { ruler, metrics } = makeRuler(async () => [{ metric: { app: 'api' }, value: 1 }], {
    remoteWriteUrl: `${prom.url}/api/v1/write`,
  });
  try {
    await ruler.setGroup(
      't',
      'ns',
      'name: g\ninterval: 1h\nrules:\n  - record: r\n    expr: sum(count_over_time({a="b"}[1m]))\n',
    );
    await sleep(400);
    await ruler.idle();
    assert.equal(prom.requests.length, 2, 'the 503 was retried');
    assert.equal(
      await metricValue(metrics, 'opsight_logstore_ruler_remote_write_samples_total', { outcome: 'sent' }),
      1,
    );
    answers = [];
    await ruler.setGroup(
      't',
      'ns',
      'name: g\ninterval: 1h\nrules:\n  - record: r2\n    expr: sum(count_over_time({a="b"}[1m]))\n',
    );
    await sleep(100);
    await ruler.idle();
    assert.equal(
      await metricValue(metrics, 'opsight_logstore_ruler_remote_write_samples_total', { outcome: 'failed' }),
      1,
    );
  } finally {
    await ruler.stop();
    await prom.close();
  }
});

test('deleting a group resolves its firing alerts; replacing keeps the alerts of rules it still has; stopping resolves nothing', async () => {
  const am = await receiver();
  const { ruler } = makeRuler(async () => [{ metric: { app: 'api' }, value: 5 }], {
    alertmanagerUrls: [am.url],
  });
  const sent = () =>
    am.requests.flatMap(
      (r) => JSON.parse(r.body.toString()) as { labels: { alertname: string }; endsAt: string }[],
    );
  const resolvedNames = () =>
    sent()
      .filter((a) => Date.parse(a.endsAt) <= Date.now())
      .map((a) => a.labels.alertname)
      .sort();
  const twoAlerts =
    'name: g\ninterval: 1h\nrules:\n  - alert: Kept\n    expr: sum(count_over_time({a="b"}[1m])) > 1\n  - alert: Dropped\n    expr: sum(count_over_time({a="c"}[1m])) > 1\n';
  try {
    await ruler.setGroup('t', 'ns', twoAlerts);
    await sleep(50);
    await ruler.idle();
    assert.deepEqual(resolvedNames(), []);
    await ruler.setGroup('t', 'ns', twoAlerts.split('  - alert: Dropped')[0]!);
    await ruler.idle();
    assert.deepEqual(resolvedNames(), ['Dropped'], 'only the rule that left the group is resolved');
    await sleep(50);
    await ruler.deleteGroup('t', 'ns', 'g');
    await ruler.idle();
    assert.deepEqual(resolvedNames(), ['Dropped', 'Kept']);

    await ruler.setGroup('t', 'other', twoAlerts);
    await sleep(50);
    await ruler.idle();
    const before = resolvedNames().length;
    await ruler.stop();
    assert.equal(resolvedNames().length, before, 'a store that stops lets its alerts expire');
  } finally {
    await ruler.stop();
    await am.close();
  }
});
