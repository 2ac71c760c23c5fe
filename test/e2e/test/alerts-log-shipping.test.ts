/**
 * The log-shipping alerts on the real Prometheus + Alertmanager + relay inbox (the fast rule variant: every
 * `for:` in seconds; the fast stack's stream idle period is 60 s):
 * - LogShipperLag: a stream-limit flood in the collector's tenant (the fault suite's row) holds a new
 *   stream back past 60 s of lag while the existing streams keep flowing; it fires, then resolves once the
 *   flood's streams go idle and the collector catches up. The row's targets are asserted too.
 * - LogEntriesDropped: a container line over the store's 256 KB max_line_size is refused for good
 *   (400 line_too_long) and counted in opsight_collector_entries_dropped_total.
 * Both leave the stack as they found it: the stream table free again, the collector's lag under 30 s.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { ChaosStack, FakePod, renderText, streamFlood } from '@opsight/chaos';
import { E2E_ENV, eventually, promQuery } from '../src/env.js';
import { inboxAlert, lastInboxId, reportDetection } from '../src/relay.js';

/** OPSIGHT_FAST=1: scrape and evaluation every second, Alertmanager group_wait 1 s; `for: 5m` becomes 5 s. */
const FAST = { scrape: 1, evaluation: 1, groupWait: 1, forSeconds: 5 };
const COLLECTOR = { job: 'collector' };

test('a stream-limit flood: LogShipperLag fires while a new stream is held back, existing streams flow, then it resolves', async () => {
  const stack = new ChaosStack(E2E_ENV);
  const since = await lastInboxId();
  let detected: number | undefined;
  const row = await streamFlood(stack, {
    streams: 6000,
    idleSeconds: 60,
    // Called once the table is full and the newcomer's first line is written: the lag starts there.
    whileFull: async () => {
      const heldFrom = Date.now();
      await eventually(
        'LogShipperLag firing in the inbox',
        () => inboxAlert('LogShipperLag', 'firing', COLLECTOR, since),
        180_000,
      );
      detected = (Date.now() - heldFrom) / 1000;
    },
  });
  console.log(renderText([row]));
  console.log(row.note);
  assert.ok(detected !== undefined);
  reportDetection(
    'LogShipperLag',
    detected,
    60 + FAST.forSeconds + FAST.scrape + FAST.evaluation + FAST.groupWait,
    "lag threshold 60 + for 5 + scrape 1 + evaluation 1 + group_wait 1, from the newcomer's first line",
  );
  const missed = row.targets.filter((t) => !t.met).map((t) => `${t.name}: ${t.detail}`);
  assert.deepEqual(missed, [], 'the flood row missed its targets');
  assert.ok(row.acknowledged > 0);

  const freedAt = Date.now();
  await eventually(
    'LogShipperLag resolved in the inbox',
    () => inboxAlert('LogShipperLag', 'resolved', COLLECTOR, since),
    120_000,
  );
  console.log(`LogShipperLag: resolved ${((Date.now() - freedAt) / 1000).toFixed(1)} s after recovery`);
});

test('a line over max_line_size: LogEntriesDropped fires with reason line_too_long', async () => {
  const stack = new ChaosStack(E2E_ENV);
  const pod = new FakePod(stack.paths.podLogs, `too-long-${Date.now().toString(36)}`);
  try {
    const before = await droppedTooLong();
    const since = await lastInboxId();
    // A full line (tag F) of 300 KB: the collector joins and ships it; the store refuses it (256 KB).
    const ts = new Date().toISOString().replace('Z', '000000Z');
    mkdirSync(dirname(pod.logPath('app')), { recursive: true });
    appendFileSync(pod.logPath('app'), `${ts} stdout F ${'x'.repeat(300 * 1024)}\n`);
    const writtenAt = Date.now();
    await eventually('the drop counted', async () => (await droppedTooLong()) > before, 60_000);
    const alert = await eventually(
      'LogEntriesDropped firing in the inbox',
      () => inboxAlert('LogEntriesDropped', 'firing', { ...COLLECTOR, reason: 'line_too_long' }, since),
      120_000,
    );
    reportDetection(
      'LogEntriesDropped',
      (Date.now() - writtenAt) / 1000,
      1 + FAST.forSeconds + FAST.scrape + FAST.evaluation + FAST.groupWait,
      'collector read and push 1 + for 5 + scrape 1 + evaluation 1 + group_wait 1',
    );
    assert.equal(alert.labels.severity, 'ticket');
    assert.equal(alert.annotations.runbook_url, 'observability/runbooks/LogEntriesDropped.md');
    // The collector moved past the dropped line: its lag is back under 30 s.
    await eventually(
      'collector lag under 30 s',
      async () => {
        const r = await promQuery('max(opsight_collector_lag_seconds)');
        return r.length === 1 && Number(r[0]!.value[1]) < 30;
      },
      60_000,
    );
  } finally {
    pod.remove();
  }
});

async function droppedTooLong(): Promise<number> {
  const r = await promQuery('sum(opsight_collector_entries_dropped_total{reason="line_too_long"})');
  return r.length ? Number(r[0]!.value[1]) : 0;
}
