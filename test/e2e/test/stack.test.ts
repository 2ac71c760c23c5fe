import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ComponentStatus } from '@opsight/supervisor';
import { eventually, opsight, port, promQuery, psql, varDir } from '../src/env.js';

test('opsight status exits 0 with every component ready (jobs completed)', () => {
  const r = opsight(['status', '--json']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const { components } = JSON.parse(r.stdout) as { components: ComponentStatus[] };
  assert.ok(components.length >= 8);
  for (const c of components) {
    if (c.kind === 'job') assert.equal(c.state, 'Completed', c.name);
    else assert.ok(c.ready && c.state === 'Running', `${c.name}: ${c.state} ${c.message}`);
  }
  const table = opsight(['status']);
  assert.equal(table.status, 0);
  assert.match(table.stdout, /^COMPONENT\s+STATE\s+READY/);
  assert.match(table.stdout, /all \d+ components ready/);
});

test('Prometheus has every target up == 1', async () => {
  const targets = await eventually('every target scraped and up', async () => {
    const res = await fetch(`http://127.0.0.1:${port(9090)}/api/v1/targets?state=active`);
    const body = (await res.json()) as {
      data: { activeTargets: { health: string; labels: { job: string } }[] };
    };
    const t = body.data.activeTargets;
    return t.length > 0 && t.every((x) => x.health === 'up') ? t : undefined;
  });
  const jobs = targets.map((t) => t.labels.job).sort();
  // The GPU exporter runs only where nvidia-smi exists.
  const gpu =
    spawnSync('sh', ['-c', 'command -v nvidia-smi']).status === 0 || Boolean(process.env.NVIDIA_SMI);
  assert.deepEqual(jobs, [
    'alert-relay',
    'alertmanager',
    'api-service',
    'collector',
    'gateway-telemetry',
    ...(gpu ? ['gpu-exporter'] : []),
    'logstore',
    'model-router',
    'model-serving',
    'model-serving',
    'model-serving',
    'postgres-exporter',
    'prometheus',
    'redis-exporter',
    'supervisor',
    'tracestore',
  ]);
  const up = await promQuery('up');
  assert.equal(up.length, jobs.length);
  for (const s of up) assert.equal(s.value[1], '1', JSON.stringify(s.metric));
});

test('the replica streams from the primary', async () => {
  const rows = psql(port(5433), 'SELECT state, sync_state FROM pg_stat_replication');
  assert.equal(rows, 'streaming|async');
  assert.equal(psql(port(5434), 'SELECT pg_is_in_recovery()'), 't');
  const marker = `e2e-${Date.now()}`;
  psql(
    port(5433),
    `CREATE TABLE IF NOT EXISTS e2e_replication (marker text); INSERT INTO e2e_replication VALUES ('${marker}')`,
  );
  await eventually(
    'the row on the replica',
    async () => psql(port(5434), `SELECT count(*) FROM e2e_replication WHERE marker = '${marker}'`) === '1',
  );
  // The lag the alert rules read is exported by postgres_exporter for the standby.
  const lag = await eventually('pg_replication_standby_replay_lag_bytes', async () => {
    const r = await promQuery('pg_replication_standby_replay_lag_bytes');
    return r.length === 1 ? r : undefined;
  });
  assert.ok(Number(lag[0]?.value[1]) >= 0);
});

test("the strategy's data-store metrics are in Prometheus", async () => {
  for (const query of [
    'pg_stat_activity_count',
    'redis_connected_clients',
    'redis_keyspace_hits_total / (redis_keyspace_hits_total + redis_keyspace_misses_total) >= 0 or redis_keyspace_hits_total',
    'pg_stat_statements_seconds_total',
    'kube_pod_container_status_restarts_total',
    'kube_pod_container_resource_limits{resource="memory"}',
    'container_cpu_usage_seconds_total',
    'container_memory_working_set_bytes',
  ]) {
    await eventually(`data for ${query}`, async () => (await promQuery(query)).length > 0);
  }
});

test('a second `opsight up` while the stack runs is refused and changes nothing', () => {
  const lock = join(varDir, 'run', 'opsight.lock');
  const before = readFileSync(lock, 'utf8');
  const r = opsight(['up']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Opsight is already running \(supervisor pid \d+/);
  assert.match(r.stderr, /Nothing was changed/);
  assert.equal(readFileSync(lock, 'utf8'), before);
  assert.equal(opsight(['status']).status, 0);
});

test('opsight logs prints a component log with CRI framing removed', () => {
  const r = opsight(['logs', 'postgres-primary', '--tail', '5']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.ok(lines.length >= 1 && lines.length <= 5);
  for (const l of lines) assert.doesNotMatch(l, /^\S+Z (stdout|stderr) [FP] /);
  const byApp = opsight(['logs', 'postgres', '--tail', '2']); // an app label: two containers carry it
  assert.equal(byApp.status, 0, byApp.stderr);
  const missing = opsight(['logs', 'no-such-component']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /no logs for "no-such-component"/);
});

test("every component's log lines reach the log store, labelled as on Kubernetes", async () => {
  const base = `http://127.0.0.1:${port(3100)}/loki/api/v1`;
  const apps = await eventually('the apps in the log store', async () => {
    const body = (await (await fetch(`${base}/label/app/values`)).json()) as { data: string[] };
    return ['postgres', 'prometheus', 'alertmanager', 'redis'].every((a) => body.data.includes(a))
      ? body.data
      : undefined;
  });
  assert.ok(apps.includes('postgres-exporter'));
  const url = `${base}/query_range?query=${encodeURIComponent('{namespace="data", app="postgres", container="postgres-primary"}')}&limit=5`;
  const body = (await (await fetch(url)).json()) as {
    data: { result: { stream: Record<string, string>; values: string[][] }[] };
  };
  assert.equal(body.data.result[0]?.stream.pod, 'postgres-0');
  assert.ok((body.data.result[0]?.values.length ?? 0) > 0);
});
