import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseBytes } from '../../../src/internal/logql/units.js';
import { LogStorage } from '../../../src/internal/storage/log-storage.js';
import {
  defaultRetentionBytes,
  parseRetentionBytes,
  Retention,
  type RetentionRun,
} from '../../../src/internal/storage/retention.js';

const GiB = 1024 * 1024 * 1024;

function fillStorage(storage: LogStorage, minutes: number, perMinute: number): void {
  const t0 = 1_700_000_000_000n * 1_000_000n;
  for (let m = 0; m < minutes; m++) {
    const entries = Array.from({ length: perMinute }, (_, i) => ({
      ts: t0 + BigInt(m) * 60_000_000_000n + BigInt(i),
      line: `minute ${m} entry ${i} ${'r'.repeat(300)}`,
    }));
    storage.append('t', [{ labels: { app: 'r' }, entries }]);
  }
}

test('the size budget is enforced oldest first after a write, and what it frees is reported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'retention-'));
  const storage = new LogStorage({ dataDir: dir });
  try {
    fillStorage(storage, 60, 500);
    const used = storage.usedBytes();
    const budget = Math.floor(used / 2);
    const runs: RetentionRun[] = [];
    const retention = new Retention(storage, { maxBytes: budget }, (r) => {
      if (!(r instanceof Error)) runs.push(r);
    });
    retention.afterWrite();
    await new Promise((r) => setImmediate(r));
    assert.ok(storage.usedBytes() <= budget, `${storage.usedBytes()} > ${budget}`);
    assert.equal(runs.length, 1);
    assert.ok(runs[0]!.entries > 0 && runs[0]!.bytes > 0);
    // Oldest first: what is left is the newest minutes, without a gap.
    const s = storage.findStream('t', { app: 'r' })!;
    const lines = [...storage.scanStream(s, { from: 0n, to: 2n ** 62n, direction: 'forward' })];
    assert.equal(lines.length, 60 * 500 - runs[0]!.entries);
    assert.match(lines.at(-1)!.line, /^minute 59 entry 499 /);
    const firstMinute = Number(/^minute (\d+)/.exec(lines[0]!.line)![1]);
    assert.ok(firstMinute > 0);
    // Under the budget, a write schedules nothing.
    retention.afterWrite();
    await new Promise((r) => setImmediate(r));
    assert.equal(runs.length, 1);
  } finally {
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a retention run that fails is reported, not thrown', () => {
  const storage = new LogStorage({ dataDir: ':memory:' });
  const failures: Error[] = [];
  const retention = new Retention(storage, { maxBytes: 1 }, (r) => {
    if (r instanceof Error) failures.push(r);
  });
  fillStorage(storage, 2, 10);
  storage.db.exec('DROP TABLE blocks'); // any failure of the run
  assert.equal(retention.runSafely(), undefined);
  assert.equal(failures.length, 1);
  storage.close();
});

test('default budget: 2 GiB, or a fifth of the filesystem if smaller; --retention-bytes takes sizes and shares', () => {
  assert.equal(defaultRetentionBytes(':memory:'), 2 * GiB);
  const d = defaultRetentionBytes(tmpdir());
  assert.ok(d > 0 && d <= 2 * GiB);
  assert.equal(parseRetentionBytes('512MB', tmpdir(), parseBytes), parseBytes('512MB'));
  assert.equal(parseRetentionBytes('0', tmpdir(), parseBytes), 0);
  const tenth = parseRetentionBytes('10%', tmpdir(), parseBytes);
  assert.ok(tenth > 0);
  assert.ok(Math.abs(parseRetentionBytes('20%', tmpdir(), parseBytes) - 2 * tenth) <= 1);
});

test("the size budget is split per tenant: tenant A's volume does not evict tenant B's data", () => {
  const dir = mkdtempSync(join(tmpdir(), 'retention-'));
  const storage = new LogStorage({ dataDir: dir });
  try {
    const t0 = 1_700_000_000_000n * 1_000_000n;
    // Tenant b writes first (its data is the oldest in the store), then tenant a writes a lot.
    storage.append('b', [
      {
        labels: { app: 'b' },
        entries: Array.from({ length: 2000 }, (_, i) => ({
          ts: t0 + BigInt(i),
          line: `b ${i} ${'x'.repeat(200)}`,
        })),
      },
    ]);
    const bOnly = storage.usedBytes();
    for (let m = 1; m <= 40; m++) {
      storage.append('a', [
        {
          labels: { app: 'a' },
          entries: Array.from({ length: 500 }, (_, i) => ({
            ts: t0 + BigInt(m) * 60_000_000_000n + BigInt(i),
            line: `a ${m} ${i} ${'y'.repeat(300)}`,
          })),
        },
      ]);
    }
    const budget = Math.floor(storage.usedBytes() / 3);
    assert.ok(bOnly < budget / 2, 'tenant b is well within its share');
    const retention = new Retention(storage, { maxBytes: budget, tenants: () => ['a', 'b', 'c'] });
    const run = retention.run();
    assert.ok(run.entries > 0);
    assert.ok(storage.usedBytes() <= budget, `${storage.usedBytes()} > ${budget}`);
    const all = { from: 0n, to: 2n ** 62n, direction: 'forward' as const };
    const b = [...storage.scanStream(storage.findStream('b', { app: 'b' })!, all)];
    assert.equal(b.length, 2000, "tenant b's oldest-in-store data is all kept");
    const a = [...storage.scanStream(storage.findStream('a', { app: 'a' })!, all)];
    assert.ok(a.length < 40 * 500);
    assert.match(a.at(-1)!.line, /^a 40 499 /, "tenant a's newest entries are kept, its oldest went");
  } finally {
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
