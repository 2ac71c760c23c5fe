// A full disk under the store: on an 8 MiB tmpfs (mounted by the test, as root), pushes get 503
// STORAGE_FULL with Retry-After once the disk is full, nothing acknowledged is lost, the database
// passes PRAGMA integrity_check, and pushes succeed again once space is freed — without a restart.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogStore } from '../../../src/internal/http/server.js';
import { LogStorage } from '../../../src/internal/storage/log-storage.js';

/** Mounts an 8 MiB tmpfs; returns why not when it cannot (not root, no mount permission). */
function mountSmallDisk(dir: string): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to mount a tmpfs';
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return `mount -t tmpfs failed: ${(r.stderr || r.error?.message || '').trim()}`;
  return undefined;
}

/** Writes zeros to `file` until the filesystem is full. */
function fill(file: string): void {
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, block);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
    // Fill the last partial block too.
    try {
      for (;;) writeSync(fd, block.subarray(0, 512));
    } catch {}
  } finally {
    closeSync(fd);
  }
}

test('full disk: 503 STORAGE_FULL + Retry-After, nothing acknowledged lost, integrity ok, recovery once space is free', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'logstore-full-'));
  const why = mountSmallDisk(dir);
  if (why) {
    rmSync(dir, { recursive: true, force: true });
    t.skip(why);
    return;
  }
  const dataDir = join(dir, 'data');
  const filler = join(dir, 'filler');
  const store = createLogStore({ dataDir, port: 0, sealIntervalMs: 0, retentionMaxBytes: 0 });
  let closed = false;
  try {
    const url = await store.listen();
    const acked: string[] = [];
    let seq = 0;
    const base = BigInt(Date.now()) * 1_000_000n;
    const pushBatch = async () => {
      const values = Array.from({ length: 100 }, () => {
        const n = seq++;
        return [(base + BigInt(n)).toString(), `line ${n} ${'p'.repeat(200)}`] as [string, string];
      });
      const r = await fetch(`${url}/loki/api/v1/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ streams: [{ stream: { app: 'full' }, values }] }),
      });
      if (r.status === 204) acked.push(...values.map((v) => v[1].split(' ', 2).join(' ')));
      return r;
    };
    const storedLines = async () => {
      const u = new URL(`${url}/loki/api/v1/query_range`);
      u.searchParams.set('query', '{app="full"}');
      u.searchParams.set('limit', '5000');
      u.searchParams.set('start', (base - 1n).toString());
      u.searchParams.set('end', (base + 1_000_000n).toString());
      const r = await fetch(u);
      assert.equal(r.status, 200, 'queries are answered while the disk is full');
      const body = (await r.json()) as { data: { result: Array<{ values: Array<[string, string]> }> } };
      return new Set(body.data.result.flatMap((s) => s.values.map((v) => v[1].split(' ', 2).join(' '))));
    };

    for (let i = 0; i < 5; i++) assert.equal((await pushBatch()).status, 204);
    fill(filler);

    let full: Response | undefined;
    for (let i = 0; i < 200 && !full; i++) {
      const r = await pushBatch();
      if (r.status === 503) full = r;
      else assert.equal(r.status, 204, await r.text());
    }
    assert.ok(full, 'a push got 503 once the disk was full');
    assert.equal(full.headers.get('retry-after'), '5');
    const err = (await full.json()) as { code: string; error: string };
    assert.equal(err.code, 'STORAGE_FULL');
    // A second push while still full: 503 again, the store still up.
    assert.equal((await pushBatch()).status, 503);
    // A WAL checkpoint on the full disk (SQLite also runs them after commits) fails or does
    // part of its work; either way nothing committed is lost (checked below).
    let checkpoint = 'ok';
    try {
      store.storage.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (e) {
      checkpoint = (e as { code?: string }).code ?? String(e);
    }
    t.diagnostic(`checkpoint on the full disk: ${checkpoint}`);
    const whileFull = await storedLines();
    let lost = acked.filter((l) => !whileFull.has(l));
    assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged lines missing while full`);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /^opsight_logstore_storage_full 1$/m);
    assert.match(
      metrics,
      /^opsight_logstore_write_failures_total\{operation="push",code="STORAGE_FULL"\} [1-9]/m,
    );

    // Space is freed: the next push succeeds, without a restart.
    unlinkSync(filler);
    const again = await pushBatch();
    assert.equal(again.status, 204, await again.text());
    assert.match(await (await fetch(`${url}/metrics`)).text(), /^opsight_logstore_storage_full 0$/m);
    const after = await storedLines();
    t.diagnostic(`${acked.length} lines acknowledged, ${lost.length} lost`);
    lost = acked.filter((l) => !after.has(l));
    assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged lines lost`);
    assert.equal(after.size, acked.length, 'nothing of a refused push was stored');
    assert.deepEqual(store.storage.db.pragma('integrity_check', { simple: true }), 'ok');
    await store.close();
    closed = true;

    // And after a reopen.
    const reopened = new LogStorage({ dataDir });
    try {
      assert.deepEqual(reopened.db.pragma('integrity_check', { simple: true }), 'ok');
      const s = reopened.findStream('fake', { app: 'full' })!;
      const n = [...reopened.scanStream(s, { from: 0n, to: base + 1_000_000n, direction: 'forward' })].length;
      assert.equal(n, acked.length);
    } finally {
      reopened.close();
    }
  } finally {
    if (!closed) await store.close();
    spawnSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});
