/**
 * The part of the fault suite (test/chaos, `npm run chaos`) that fits CI's time, on the shared e2e stack
 * with smaller volumes: SIGKILL of each store mid-ingest, a relay restart during delivery, Redis down.
 * Each asserts the suite's targets for its row and leaves every component restarted and ready.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ChaosStack,
  dependencyDown,
  type FaultRow,
  logstoreKill,
  relayRestart,
  renderText,
  tracestoreKill,
} from '@opsight/chaos';
import { E2E_ENV } from '../src/env.js';

const stack = () => new ChaosStack(E2E_ENV);

async function check(row: FaultRow): Promise<void> {
  console.log(renderText([row]));
  console.log(row.note);
  await stack().waitAllReady(180_000);
  const missed = row.targets.filter((t) => !t.met).map((t) => `${t.name}: ${t.detail}`);
  assert.deepEqual(missed, [], `${row.fault} missed its targets`);
  assert.ok(row.acknowledged > 0, 'something was acknowledged');
}

test('chaos: SIGKILL of the log store mid-ingest loses no acknowledged line', async () => {
  await check(await logstoreKill(stack(), { lines: 3000, batch: 100 }));
});

test('chaos: SIGKILL of the trace store mid-ingest loses no acknowledged span', async () => {
  await check(await tracestoreKill(stack(), { spans: 3000 }));
});

test('chaos: a relay restart during delivery loses and duplicates no notification', async () => {
  const row = await relayRestart(stack(), { notifications: 5, deliveryWaitMs: 30_000 });
  assert.match(row.note, /chaos-receiver failed every attempt/, 'the failing receiver was used');
  await check(row);
});

test('chaos: with Redis down, requests through the gateway still succeed', async () => {
  await check(await dependencyDown(stack(), 'redis', { downMs: 5000 }));
});
