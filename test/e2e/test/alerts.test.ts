import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, test } from 'node:test';
import type { ComponentStatus } from '@opsight/supervisor';
import { eventually, opsight, port, promQuery, psql, secret } from '../src/env.js';
import { inboxAlert, lastInboxId, reportDetection } from '../src/relay.js';

// Whole-stack alert tests: a real fault in the e2e stack, the real Prometheus evaluating the fast variant of
// the rules (every `for:` in seconds), the real Alertmanager (group_wait 1s, group_interval 2s), and the alert
// relay's inbox as the receiver. Each test prints its detection time beside its bound.

/** OPSIGHT_FAST=1: scrape and evaluation every second, scrape timeout 1 s, Alertmanager group_wait 1 s. */
const FAST = { scrape: 1, scrapeTimeout: 1, evaluation: 1, groupWait: 1 };

function component(name: string): ComponentStatus {
  const { components } = JSON.parse(opsight(['status', '--json']).stdout) as {
    components: ComponentStatus[];
  };
  const c = components.find((x) => x.name === name);
  assert.ok(c, name);
  return c;
}

test('a stopped component: ServiceDown reaches the relay inbox, then resolves after recovery', async () => {
  await eventually(
    'redis-exporter scraped',
    async () => (await promQuery('up{job="redis-exporter"} == 1')).length === 1,
  );
  const target = component('redis-exporter');
  assert.ok(target.pid);
  const since = await lastInboxId();
  // A stopped process keeps its port and answers nothing: the scrape times out, as for a hung service.
  process.kill(target.pid, 'SIGSTOP');
  const stoppedAt = Date.now();
  let stopped = true;
  after(() => {
    if (stopped) process.kill(target.pid!, 'SIGCONT');
  });
  const alert = await eventually(
    'ServiceDown in the inbox',
    () => inboxAlert('ServiceDown', 'firing', { job: 'redis-exporter' }, since),
    60_000,
  );
  const detected = (Date.now() - stoppedAt) / 1000;
  const forSeconds = 1;
  const bound = forSeconds + FAST.scrape + FAST.scrapeTimeout + FAST.evaluation + FAST.groupWait;
  reportDetection(
    'ServiceDown',
    detected,
    bound,
    'for 1 + scrape 1 + scrape timeout 1 + evaluation 1 + group_wait 1',
  );
  assert.equal(alert.labels.severity, 'page');
  assert.match(alert.annotations.description ?? '', /up = 0/);
  assert.equal(alert.annotations.runbook_url, 'observability/runbooks/ServiceDown.md');

  process.kill(target.pid, 'SIGCONT');
  stopped = false;
  const resumedAt = Date.now();
  await eventually(
    'ServiceDown resolved in the inbox',
    () => inboxAlert('ServiceDown', 'resolved', { job: 'redis-exporter' }, since),
    60_000,
  );
  console.log(`ServiceDown: resolved ${((Date.now() - resumedAt) / 1000).toFixed(1)} s after recovery`);
});

test('WAL replay paused on the replica: PostgresReplicationLag fires past 60 s of lag, then resolves', async () => {
  const primary = port(5433);
  const replica = port(5434);
  await eventually(
    'replication lag exported',
    async () => (await promQuery('pg_replication_lag_seconds')).length > 0,
    60_000,
  );
  psql(primary, 'CREATE TABLE IF NOT EXISTS e2e_replication_lag (at timestamptz)');
  const since = await lastInboxId();
  psql(replica, 'SELECT pg_wal_replay_pause()');
  const pausedAt = Date.now();
  let paused = true;
  after(() => {
    if (paused) psql(replica, 'SELECT pg_wal_replay_resume()');
    psql(primary, 'DROP TABLE IF EXISTS e2e_replication_lag');
  });
  // Keep writing on the primary: the standby receives WAL it does not replay, and its reported lag grows.
  const writer = setInterval(() => {
    try {
      psql(primary, 'INSERT INTO e2e_replication_lag VALUES (now())');
    } catch {
      // The next write retries; the test's own wait reports a stuck stack.
    }
  }, 1000);
  try {
    const alert = await eventually(
      'PostgresReplicationLag in the inbox',
      () => inboxAlert('PostgresReplicationLag', 'firing', {}, since),
      120_000,
    );
    const detected = (Date.now() - pausedAt) / 1000;
    // The primary learns the standby's replay position from its replies, sent as WAL arrives (a write a second).
    const bound = 60 + 1 + 2 + FAST.scrape + FAST.evaluation + FAST.groupWait;
    reportDetection(
      'PostgresReplicationLag',
      detected,
      bound,
      'lag threshold 60 + standby reply 1 + for 2 + scrape 1 + evaluation 1 + group_wait 1',
    );
    assert.equal(alert.labels.service, 'postgres');
  } finally {
    clearInterval(writer);
  }
  psql(replica, 'SELECT pg_wal_replay_resume()');
  paused = false;
  await eventually(
    'PostgresReplicationLag resolved in the inbox',
    () => inboxAlert('PostgresReplicationLag', 'resolved', {}, since),
    90_000,
  );
});

function redis(...args: string[]): string {
  const r = spawnSync(
    '/usr/bin/redis-cli',
    ['-h', '127.0.0.1', '-p', String(port(6380)), '--no-auth-warning', '-a', secret('redis'), ...args],
    { encoding: 'utf8' },
  );
  if (r.status !== 0 || /^ERR/m.test(r.stdout))
    throw new Error(`redis-cli ${args[0]}: ${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}

test('Redis grown past 90% of its memory limit: ContainerMemoryNearLimit fires, then resolves', async () => {
  const limit = await eventually(
    'the memory limit of redis',
    async () =>
      (await promQuery('kube_pod_container_resource_limits{container="redis",resource="memory"}'))[0],
  );
  assert.equal(Number(limit.value[1]), 512 * 1024 * 1024);
  const restartsBefore = component('redis').restarts;
  const since = await lastInboxId();
  // Two zero-filled strings sized to jemalloc's classes (448 MiB and 32 MiB): about 94% of the 512 MiB limit
  // with Redis's own few MiB, below the limit the supervisor enforces.
  redis('CONFIG', 'SET', 'maxmemory', '0');
  const grownAt = Date.now();
  let grown = true;
  const shrink = () => {
    redis('DEL', 'e2e:ballast:1', 'e2e:ballast:2');
    redis('MEMORY', 'PURGE');
    redis('CONFIG', 'SET', 'maxmemory', '256mb');
    grown = false;
  };
  after(() => {
    if (grown) shrink();
  });
  redis('SETRANGE', 'e2e:ballast:1', String(448 * 1024 * 1024 - 64), 'x');
  redis('SETRANGE', 'e2e:ballast:2', String(32 * 1024 * 1024 - 64), 'x');
  const alert = await eventually(
    'ContainerMemoryNearLimit in the inbox',
    () => inboxAlert('ContainerMemoryNearLimit', 'firing', { container: 'redis' }, since),
    60_000,
  );
  const detected = (Date.now() - grownAt) / 1000;
  // The supervisor samples process memory every second, as cAdvisor does on its own period.
  const bound = 5 + 1 + FAST.scrape + FAST.evaluation + FAST.groupWait;
  reportDetection(
    'ContainerMemoryNearLimit',
    detected,
    bound,
    'for 5 + supervisor sampling 1 + scrape 1 + evaluation 1 + group_wait 1',
  );
  assert.equal(alert.labels.severity, 'ticket');
  assert.match(alert.annotations.description ?? '', /of its memory limit/);
  shrink();
  await eventually(
    'ContainerMemoryNearLimit resolved in the inbox',
    () => inboxAlert('ContainerMemoryNearLimit', 'resolved', { container: 'redis' }, since),
    60_000,
  );
  assert.equal(component('redis').restarts, restartsBefore, 'redis was OOM-killed: the ballast is too large');
});
